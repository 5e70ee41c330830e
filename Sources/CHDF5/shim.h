// HDF5's predefined types and property lists (H5T_NATIVE_*, H5P_DEFAULT,
// H5S_ALL, ...) are macros that expand to library globals behind H5open(),
// or to casts; Swift imports neither, so these inline getters name them.
// The few calls that need callbacks or a sequence of property-list steps are
// written here too, so the Swift wrapper stays a list of plain calls.
#ifndef VAE_DIST_CHDF5_SHIM_H
#define VAE_DIST_CHDF5_SHIM_H
#include <dlfcn.h>
#include <hdf5.h>
#include <string.h>

static inline hid_t vae_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t vae_h5s_all(void) { return H5S_ALL; }
static inline hid_t vae_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t vae_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t vae_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t vae_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t vae_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t vae_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t vae_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t vae_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t vae_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t vae_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t vae_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t vae_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline size_t vae_h5t_variable(void) { return H5T_VARIABLE; }

/// Turns off HDF5's automatic printing of its error stack to stderr: a failed
/// call then only returns a negative value, and the Swift layer turns it into
/// a typed error whose message it takes from vae_h5_error_message.
static inline herr_t vae_h5_silence_errors(void) {
    return H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/// Opens `path` read-only without taking HDF5's file locks.
///
/// HDF5 1.10.7 and later lock files with flock(); on shared file systems
/// (NFS, Lustre, GPFS) that fails or blocks, and many ranks of one job read
/// the same file, none of them writes it. H5Pset_file_locking exists since
/// 1.10.7 (Debian 12 ships 1.10.8): use_file_locking = false, and
/// ignore_when_disabled = true so a file system without locks is no error.
static inline hid_t vae_h5_open_read_only(const char *_Nonnull path) {
    hid_t access = H5Pcreate(H5P_FILE_ACCESS);
    if (access < 0) return access;
    if (H5Pset_file_locking(access, 0, 1) < 0) {
        H5Pclose(access);
        return -1;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, access);
    // H5Pclose, like every API call, clears the error stack on entry; keep
    // H5Fopen's errors ("truncated file: eof = ...") for the caller's message.
    hid_t errors = H5Eget_current_stack();
    H5Pclose(access);
    if (errors >= 0) H5Eset_current_stack(errors);
    return file;
}

/// Makes Debian 12's LZF plugin loadable.
///
/// hdf5-plugin-lzf 3.7.0-8 ships liblzf_filter.so with lzf_compress and
/// lzf_decompress undefined and no DT_NEEDED on liblzf, so HDF5's dlopen of
/// it fails ("undefined symbol: lzf_decompress") and every LZF dataset is
/// unreadable. Loading liblzf.so.1 (package liblzf1) into the global symbol
/// scope first lets the plugin resolve them. Without liblzf1 this does
/// nothing and LZF files are refused, naming the filter. Returns 1 when
/// liblzf was loaded.
static inline int vae_h5_preload_lzf(void) {
    return dlopen("liblzf.so.1", RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE) != NULL;
}

static herr_t vae_h5_error_walker(unsigned n, const H5E_error2_t *_Nonnull error, void *_Nonnull data) {
    // The walk goes upward: the first entry is where HDF5 found the problem,
    // which says the most ("truncated file", "wrong B-tree signature").
    if (n == 0 && error->desc != NULL) {
        char *buffer = (char *)data;
        strncpy(buffer, error->desc, 255);
        buffer[255] = 0;
    }
    return 0;
}

/// The innermost message of this thread's HDF5 error stack (at most 255
/// bytes, empty when the stack is empty) into `buffer` of 256 bytes.
static inline void vae_h5_error_message(char *_Nonnull buffer) {
    buffer[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, vae_h5_error_walker, buffer);
    H5Eclear2(H5E_DEFAULT);
}

/// The kind of object `name` names under `location` (H5O_TYPE_GROUP,
/// H5O_TYPE_DATASET, ...), or -1 when no link of that name exists or it
/// dangles. H5Oget_info_by_name changed signature between releases; this
/// opens the object instead, which every release supports.
static inline int vae_h5_object_type(hid_t location, const char *_Nonnull name) {
    if (H5Lexists(location, name, H5P_DEFAULT) <= 0) return -1;
    hid_t object = H5Oopen(location, name, H5P_DEFAULT);
    if (object < 0) return -1;
    H5I_type_t type = H5Iget_type(object);
    H5Oclose(object);
    switch (type) {
    case H5I_GROUP: return H5O_TYPE_GROUP;
    case H5I_DATASET: return H5O_TYPE_DATASET;
    case H5I_DATATYPE: return H5O_TYPE_NAMED_DATATYPE;
    default: return -1;
    }
}
#endif
