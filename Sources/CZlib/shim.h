// zlib's inflateInit2/deflateInit2 are macros that pass the library version and
// stream size; Swift cannot call macros, so these inline wrappers do it.
#ifndef VAE_DIST_CZLIB_SHIM_H
#define VAE_DIST_CZLIB_SHIM_H
#include <zlib.h>

static inline __attribute__((always_inline)) int vae_inflate_init2(z_streamp _Nonnull stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
static inline __attribute__((always_inline)) int vae_deflate_init2(z_streamp _Nonnull stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
#endif
