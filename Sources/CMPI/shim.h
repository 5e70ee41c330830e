// OpenMPI defines its predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...)
// as macros that take the address of internal globals; Swift's importer cannot
// see such macros. Each accessor below is a one-line, always-inlined function
// returning the handle, marked _Nonnull so Swift imports it as a non-optional
// OpaquePointer. Only the handles the MPI module uses are exposed.
#ifndef VAE_DIST_CMPI_SHIM_H
#define VAE_DIST_CMPI_SHIM_H

#include <mpi.h>

#define VAE_MPI_INLINE static inline __attribute__((always_inline))

VAE_MPI_INLINE MPI_Comm _Nonnull vae_mpi_comm_world(void) { return MPI_COMM_WORLD; }
VAE_MPI_INLINE MPI_Errhandler _Nonnull vae_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }

VAE_MPI_INLINE MPI_Datatype _Nonnull vae_mpi_float(void) { return MPI_FLOAT; }
VAE_MPI_INLINE MPI_Datatype _Nonnull vae_mpi_double(void) { return MPI_DOUBLE; }
VAE_MPI_INLINE MPI_Datatype _Nonnull vae_mpi_int32(void) { return MPI_INT32_T; }
VAE_MPI_INLINE MPI_Datatype _Nonnull vae_mpi_int64(void) { return MPI_INT64_T; }
VAE_MPI_INLINE MPI_Datatype _Nonnull vae_mpi_uint8(void) { return MPI_UINT8_T; }
VAE_MPI_INLINE MPI_Datatype _Nonnull vae_mpi_uint64(void) { return MPI_UINT64_T; }

VAE_MPI_INLINE MPI_Op _Nonnull vae_mpi_sum(void) { return MPI_SUM; }
VAE_MPI_INLINE MPI_Op _Nonnull vae_mpi_max(void) { return MPI_MAX; }
VAE_MPI_INLINE MPI_Op _Nonnull vae_mpi_min(void) { return MPI_MIN; }

// MPI_IN_PLACE is the sentinel ((void *) 1): never dereferenced, only compared by MPI.
VAE_MPI_INLINE void * _Nonnull vae_mpi_in_place(void) { return MPI_IN_PLACE; }

// Node-local shared memory (--gradient-sync shared): the split type that
// groups the ranks of one node, the empty info object, and the lock-all
// assertion that no other process holds a conflicting lock (enum constants
// in OpenMPI's header, returned as plain ints so their type is fixed here).
VAE_MPI_INLINE int vae_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
VAE_MPI_INLINE MPI_Info _Nonnull vae_mpi_info_null(void) { return MPI_INFO_NULL; }
VAE_MPI_INLINE int vae_mpi_mode_nocheck(void) { return MPI_MODE_NOCHECK; }

#endif
