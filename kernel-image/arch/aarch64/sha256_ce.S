// SHA-256 compression with the Armv8 SHA-2 instructions (Arm ARM C7.2: SHA256H, SHA256H2,
// SHA256SU0, SHA256SU1; FEAT_SHA256, ID_AA64ISAR0_EL1.SHA2 >= 1), the fast path the kernel hands
// to Aurora.Modsign's Sha256 when the processor reports them (Sha256Acceleration.cs). C#
// cannot emit these instructions here: portable code may use no intrinsics.
//
//   void aurora_sha256_blocks_ce(uint32_t state[8], const uint8_t *data, size_t blocks)
//
// state is H0..H7 in FIPS 180-4 order (a..h); data is `blocks` whole 64-byte blocks. Uses
// v0-v7, v16 and v17 (caller-saved under AAPCS64 §6.1.2), x0-x3, no stack.
//
// SHA256H/SHA256H2 keep the eight working variables in two registers, ABCD (v0) and EFGH
// (v1), a in lane 0, and run four rounds with W[4j..4j+3] + K[4j..4j+3]; SHA256H2 needs the
// ABCD from before SHA256H's four rounds (v17). SHA256SU0 and SHA256SU1 make the next four
// words of the message schedule (FIPS 180-4 §6.2.2 step 1) in place.
.arch armv8-a+crypto
.text

// Four rounds with the words in \w0 (W[4j..]); when \next, \w0 becomes W[4j+16..] from \w0
// and the next-younger groups \w1 (W[4j+4..]), \w2 (W[4j+8..]), \w3 (W[4j+12..]).
.macro ROUNDS4 next, w0, w1, w2, w3
    ld1 {v16.4s}, [x3], #16
    add v16.4s, v16.4s, \w0\().4s
.if \next
    sha256su0 \w0\().4s, \w1\().4s
.endif
    mov v17.16b, v0.16b
    sha256h q0, q1, v16.4s
    sha256h2 q1, q17, v16.4s
.if \next
    sha256su1 \w0\().4s, \w2\().4s, \w3\().4s
.endif
.endm

.global aurora_sha256_blocks_ce
.type aurora_sha256_blocks_ce, %function
aurora_sha256_blocks_ce:
    cbz x2, 2f
    ld1 {v0.4s, v1.4s}, [x0]
1:  ld1 {v4.16b, v5.16b, v6.16b, v7.16b}, [x1], #64
    rev32 v4.16b, v4.16b            // the block's words are big-endian (FIPS 180-4 §3.1)
    rev32 v5.16b, v5.16b
    rev32 v6.16b, v6.16b
    rev32 v7.16b, v7.16b
    mov v2.16b, v0.16b
    mov v3.16b, v1.16b
    adrp x3, sha256_round_constants
    add x3, x3, :lo12:sha256_round_constants
    ROUNDS4 1, v4, v5, v6, v7
    ROUNDS4 1, v5, v6, v7, v4
    ROUNDS4 1, v6, v7, v4, v5
    ROUNDS4 1, v7, v4, v5, v6
    ROUNDS4 1, v4, v5, v6, v7
    ROUNDS4 1, v5, v6, v7, v4
    ROUNDS4 1, v6, v7, v4, v5
    ROUNDS4 1, v7, v4, v5, v6
    ROUNDS4 1, v4, v5, v6, v7
    ROUNDS4 1, v5, v6, v7, v4
    ROUNDS4 1, v6, v7, v4, v5
    ROUNDS4 1, v7, v4, v5, v6
    ROUNDS4 0, v4, v5, v6, v7
    ROUNDS4 0, v5, v6, v7, v4
    ROUNDS4 0, v6, v7, v4, v5
    ROUNDS4 0, v7, v4, v5, v6
    add v0.4s, v0.4s, v2.4s
    add v1.4s, v1.4s, v3.4s
    subs x2, x2, #1
    b.ne 1b
    st1 {v0.4s, v1.4s}, [x0]
2:  ret

// ulong aurora_sha256_blocks_ce_address(void): the routine's address, for Sha256.UseBlockFunction.
.global aurora_sha256_blocks_ce_address
.type aurora_sha256_blocks_ce_address, %function
aurora_sha256_blocks_ce_address:
    adrp x0, aurora_sha256_blocks_ce
    add x0, x0, :lo12:aurora_sha256_blocks_ce
    ret

// K[0..63] (FIPS 180-4 §4.2.2).
.section .rodata
.balign 16
sha256_round_constants:
    .long 0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5
    .long 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174
    .long 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da
    .long 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967
    .long 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85
    .long 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070
    .long 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3
    .long 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2

.section .note.GNU-stack, "", %progbits
