# Helpers for in-kernel tests that need an exact instruction.
.intel_syntax noprefix
.text
.global aurora_test_int3
.type aurora_test_int3, @function
aurora_test_int3:
    int3
    ret
.section .note.GNU-stack,"",@progbits
