# Helpers for in-kernel tests that need an exact instruction.
.intel_syntax noprefix
.text
.global aurora_test_int3
.type aurora_test_int3, @function
aurora_test_int3:
    int3
    ret
.section .note.GNU-stack,"",@progbits

.text
.global aurora_test_security_cookie
.type aurora_test_security_cookie, @function
aurora_test_security_cookie:
    mov rax, [rip + __security_cookie]
    ret
.section .note.GNU-stack,"",@progbits
