/*
 * What every module links besides its NativeAOT object (docs/modules.md): the stack-protector
 * cookie the compiler's code reads (stackalloc). The loader overwrites it with a random value
 * before init when it finds the symbol, so each load gets its own. Data only, no instruction:
 * the one source assembles for x86-64 and arm64 alike.
 */
    .section .data
    .balign 8
    .globl __security_cookie
    .type __security_cookie, @object
__security_cookie:
    .quad 0x2b992ddfa23249d6
    .size __security_cookie, 8
    .section .note.GNU-stack, "", @progbits
