// libpng's simplified API (png_image_*): it reports errors in the
// png_image's message field instead of longjmp, so Swift can call it safely.
// PNG_IMAGE_FAILED is a function-like macro Swift cannot call; this inline
// wrapper does.
#ifndef VAE_DIST_CPNG_SHIM_H
#define VAE_DIST_CPNG_SHIM_H
#include <png.h>

static inline __attribute__((always_inline)) int vae_png_image_failed(const png_image * _Nonnull image) {
    return PNG_IMAGE_FAILED(*image);
}
#endif
