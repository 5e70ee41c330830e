// OpenBLAS ships CBLAS in <cblas.h> (with openblas_set_num_threads); Debian has
// no cblas.pc, so the target is found through openblas.pc and this header.
#ifndef VAE_DIST_CBLAS_SHIM_H
#define VAE_DIST_CBLAS_SHIM_H
#include <cblas.h>
#include <stdint.h>

// A DYNAMIC_ARCH OpenBLAS exports these (driver/others/dynamic.c) without
// declaring them in cblas.h. quit forgets the chosen kernel table; init
// chooses again, reading OPENBLAS_CORETYPE as at load time. vae-dist calls
// them once, before its first BLAS call, to switch kernels in-process.
// Weak, because an OpenBLAS built for one target has neither: there the
// binary still links, and vae-dist keeps the kernels it was built with.
extern void gotoblas_dynamic_quit(void) __attribute__((weak));
extern void gotoblas_dynamic_init(void) __attribute__((weak));

static inline __attribute__((always_inline))
int vae_dist_openblas_switches_kernels(void) {
    return gotoblas_dynamic_quit != 0 && gotoblas_dynamic_init != 0;
}

// Chooses the kernel table again; only where vae_dist_openblas_switches_kernels().
static inline __attribute__((always_inline))
void vae_dist_openblas_reload_kernels(void) {
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
}

// CPUID and XGETBV, which Swift cannot issue: what the CPU implements and
// which register states the OS saves on a context switch. On other
// architectures they report nothing (all zeros), and vae-dist keeps
// OpenBLAS's own choice.
static inline __attribute__((always_inline))
void vae_dist_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]) {
#if defined(__x86_64__)
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(subleaf));
    registers[0] = a; registers[1] = b; registers[2] = c; registers[3] = d;
#else
    registers[0] = registers[1] = registers[2] = registers[3] = 0;
#endif
}

// XCR0; only call it when CPUID.1:ECX.OSXSAVE[bit 27] is set.
static inline __attribute__((always_inline))
uint64_t vae_dist_xgetbv0(void) {
#if defined(__x86_64__)
    uint32_t low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((uint64_t)high << 32) | low;
#else
    return 0;
#endif
}
#endif
