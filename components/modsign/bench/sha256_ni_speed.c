/*
 * The kernel's SHA-extension compression (kernel-image/arch/x86_64/sha256_ni.S) in the units
 * of `openssl speed -evp sha256`: thousands of bytes hashed per second of the process's CPU
 * time (openssl speed divides by user CPU time too, unless -elapsed), whole 64-byte blocks.
 *
 *   gcc -O2 -o /tmp/sha256-speed components/modsign/bench/sha256_ni_speed.c \
 *       kernel-image/arch/x86_64/sha256_ni.S && /tmp/sha256-speed
 *   openssl speed -seconds 1 -evp sha256
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void aurora_sha256_blocks_ni(uint32_t state[8], const uint8_t *data, size_t blocks);

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void)
{
    static const size_t sizes[] = { 1024, 8192, 16384 };
    static uint8_t data[16384];
    uint32_t state[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    srand(1);
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)rand();
    printf("type             1024 bytes   8192 bytes  16384 bytes\nsha256_ni.S ");
    for (int k = 0; k < 3; k++) {
        size_t size = sizes[k];
        long calls = 0;
        double start = cpu_seconds(), spent;
        do {
            for (int r = 0; r < 64; r++) aurora_sha256_blocks_ni(state, data, size / 64);
            calls += 64;
            spent = cpu_seconds() - start;
        } while (spent < 1.0);
        printf(" %11.2fk", calls * (double)size / spent / 1000);
    }
    printf("\n");
    return state[0] == 0; /* keeps the work observable */
}
