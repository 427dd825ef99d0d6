# SHA-256 compression with the SHA extensions (Intel SDM vol. 2: SHA256RNDS2, SHA256MSG1,
# SHA256MSG2), the fast path the kernel hands to Aurora.Modsign's Sha256 when CPUID says the
# processor has them (Sha256Acceleration.cs). C# cannot emit these instructions: .NET has no
# SHA intrinsics.
#
#   void aurora_sha256_blocks_ni(uint32_t state[8], const uint8_t *data, size_t blocks)
#
# state is H0..H7 in FIPS 180-4 order (a..h); data is `blocks` whole 64-byte blocks. Uses
# xmm0-xmm9 only (all caller-saved in the System V ABI), no stack.
#
# SHA256RNDS2 keeps the eight working variables in two registers, ABEF and CDGH (a in the
# highest dword), runs two rounds with the W+K pair in the low half of xmm0, and writes the new
# ABEF over CDGH. After two rounds the new CDGH is the old ABEF, so alternating the destination
# between the two registers needs no moves.
.intel_syntax noprefix
.text

#define ABEF xmm1
#define CDGH xmm2
#define TMP xmm7
#define SAVED_ABEF xmm8
#define SAVED_CDGH xmm9

# Four rounds, j = 0..15. W[4j..4j+3] goes into \m0; \m1..\m3 hold the next-older groups
# (W[4j-12..], W[4j-8..], W[4j-4..]) when j >= 4. For j < 4 the words come from the block.
.macro ROUNDS4 j, m0, m1, m2, m3
.if \j < 4
    movdqu \m0, [rsi + 16 * \j]
    pshufb \m0, [rip + .Lbyte_swap]
.else
    # W[t] = W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2]), four at a time.
    sha256msg1 \m0, \m1
    movdqa TMP, \m3
    palignr TMP, \m2, 4
    paddd \m0, TMP
    sha256msg2 \m0, \m3
.endif
    movdqa xmm0, \m0
    paddd xmm0, [rip + .Lround_constants + 16 * \j]
    sha256rnds2 CDGH, ABEF, xmm0
    pshufd xmm0, xmm0, 0x0E
    sha256rnds2 ABEF, CDGH, xmm0
.endm

.global aurora_sha256_blocks_ni
.type aurora_sha256_blocks_ni, @function
aurora_sha256_blocks_ni:
.Lblocks_ni:
    test rdx, rdx
    jz 2f

    # From a..h in memory to ABEF and CDGH.
    movdqu ABEF, [rdi]                  # d c b a (dword 3..0)
    movdqu CDGH, [rdi + 16]             # h g f e
    pshufd ABEF, ABEF, 0xB1             # c d a b
    pshufd CDGH, CDGH, 0x1B             # e f g h
    movdqa TMP, ABEF
    palignr ABEF, CDGH, 8               # a b e f
    pblendw CDGH, TMP, 0xF0             # c d g h

1:
    movdqa SAVED_ABEF, ABEF
    movdqa SAVED_CDGH, CDGH
    ROUNDS4 0, xmm3, xmm4, xmm5, xmm6
    ROUNDS4 1, xmm4, xmm5, xmm6, xmm3
    ROUNDS4 2, xmm5, xmm6, xmm3, xmm4
    ROUNDS4 3, xmm6, xmm3, xmm4, xmm5
    ROUNDS4 4, xmm3, xmm4, xmm5, xmm6
    ROUNDS4 5, xmm4, xmm5, xmm6, xmm3
    ROUNDS4 6, xmm5, xmm6, xmm3, xmm4
    ROUNDS4 7, xmm6, xmm3, xmm4, xmm5
    ROUNDS4 8, xmm3, xmm4, xmm5, xmm6
    ROUNDS4 9, xmm4, xmm5, xmm6, xmm3
    ROUNDS4 10, xmm5, xmm6, xmm3, xmm4
    ROUNDS4 11, xmm6, xmm3, xmm4, xmm5
    ROUNDS4 12, xmm3, xmm4, xmm5, xmm6
    ROUNDS4 13, xmm4, xmm5, xmm6, xmm3
    ROUNDS4 14, xmm5, xmm6, xmm3, xmm4
    ROUNDS4 15, xmm6, xmm3, xmm4, xmm5
    paddd ABEF, SAVED_ABEF
    paddd CDGH, SAVED_CDGH
    add rsi, 64
    dec rdx
    jnz 1b

    # Back to a..h.
    pshufd ABEF, ABEF, 0x1B             # f e b a
    pshufd CDGH, CDGH, 0xB1             # d c h g
    movdqa TMP, ABEF
    pblendw ABEF, CDGH, 0xF0            # d c b a
    palignr CDGH, TMP, 8                # h g f e
    movdqu [rdi], ABEF
    movdqu [rdi + 16], CDGH
2:
    ret
.size aurora_sha256_blocks_ni, . - aurora_sha256_blocks_ni

# Its address, for Sha256.UseBlockFunction (C# cannot take the address of an extern).
.global aurora_sha256_blocks_ni_address
.type aurora_sha256_blocks_ni_address, @function
aurora_sha256_blocks_ni_address:
    lea rax, [rip + .Lblocks_ni]        # the local label: fixed even in a shared object (host tests)
    ret

.section .rodata
.balign 16
# pshufb mask: each dword of the block is big-endian (FIPS 180-4 §3.1).
.Lbyte_swap:
    .byte 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12
# FIPS 180-4 §4.2.2: K0..K63.
.Lround_constants:
    .long 0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5
    .long 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174
    .long 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da
    .long 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967
    .long 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85
    .long 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070
    .long 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3
    .long 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
