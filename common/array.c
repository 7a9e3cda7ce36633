/* array.c - doubling growth of plain arrays (see array.h). */
#include "common/array.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/err.h"

#define S_FIRST 64

int
vg_array_reserve (void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    if (elem == 0 || need > SIZE_MAX / elem)
        return -VG_ENOMEM;
    size_t ncap = *cap ? *cap : S_FIRST;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > SIZE_MAX / elem)
        ncap = need;
    void *np = realloc (*items, ncap * elem);
    if (!np)
        return -VG_ENOMEM;
    *items = np;
    *cap = ncap;
    return 0;
}
