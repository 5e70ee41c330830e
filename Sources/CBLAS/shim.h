// OpenBLAS ships CBLAS in <cblas.h> (with openblas_set_num_threads); Debian has
// no cblas.pc, so the target is found through openblas.pc and this header.
#ifndef VAE_DIST_CBLAS_SHIM_H
#define VAE_DIST_CBLAS_SHIM_H
#include <cblas.h>
#endif
