/* The heap of a user program: malloc over brk and mmap, touched and checked. Exit 0 when
   every byte read back is what was written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    int bad = 0;
    for (int round = 0; round < 4; round++) {
        size_t size = (size_t)1 << (12 + round * 3); /* 4 KiB, 32 KiB, 256 KiB, 2 MiB */
        unsigned char *block = malloc(size);
        if (!block) { printf("malloc(%zu) failed\n", size); return 100; }
        memset(block, 0x5a + round, size);
        for (size_t i = 0; i < size; i += 511) bad += block[i] != (unsigned char)(0x5a + round);
        free(block);
    }
    char *small[64];
    for (int i = 0; i < 64; i++) { small[i] = malloc(24 + i); memset(small[i], i, 24 + i); }
    for (int i = 0; i < 64; i++) { bad += small[i][23 + i] != (char)i; free(small[i]); }
    printf("memory: %d bad bytes\n", bad);
    return bad;
}
