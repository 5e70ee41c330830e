"""Writes the single-cell test files with anndata and h5py, as users' files
are written, plus NAME.json with what a reader must find in each.

    python single-cell-fixtures.py DIR

Run by Tests/SingleCellTests in the venv of Tests/tools/anndata-venv.sh.
Every matrix is small and its values are distinct where they are non-zero,
so a value read from the wrong row, column or entry cannot pass unnoticed.
"""
import json
import os
import sys

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def path(name):
    return os.path.join(out, name)


def expect(name, **fields):
    with open(path(name + ".json"), "w") as f:
        json.dump(fields, f)


def counts(cells, genes, density=0.4, seed=0):
    """Integer counts, distinct where non-zero; row 1 is all zeros."""
    rng = np.random.default_rng(seed)
    dense = np.zeros((cells, genes))
    mask = rng.random((cells, genes)) < density
    dense[mask] = np.arange(1, mask.sum() + 1)
    if cells > 1:
        dense[1] = 0
    return dense


def frames(cells, genes):
    batch = pd.Categorical([["a", "b", "c"][i % 3] if i % 4 != 3 else None for i in range(cells)])
    obs = pd.DataFrame({"batch": batch, "depth": np.arange(cells, dtype=np.float64)},
                       index=[f"cell{i}" for i in range(cells)])
    var = pd.DataFrame({"highly_variable": [i % 2 == 0 for i in range(genes)],
                        "nullable": pd.array([[True, False, None][i % 3] for i in range(genes)], dtype="boolean"),
                        "mean": np.linspace(0, 1, genes)},
                       index=[f"gene{i}" for i in range(genes)])
    return obs, var


def annotations(obs, var):
    return dict(genes=list(var.index),
                batch_codes=[int(c) for c in obs["batch"].cat.codes],
                batch_categories=list(obs["batch"].cat.categories),
                highly_variable=[bool(v) for v in var["highly_variable"]],
                nullable=[None if pd.isna(v) else bool(v) for v in var["nullable"]])


cells, genes = 7, 5
base = counts(cells, genes)
obs, var = frames(cells, genes)

# Dense X (float32) and dense layers of the other dtypes AnnData writes.
a = ad.AnnData(X=base.astype(np.float32), obs=obs, var=var)
for dtype in ["float64", "int32", "int64", "uint16", "uint32"]:
    a.layers[dtype] = base.astype(dtype)
a.write_h5ad(path("dense.h5ad"))
expect("dense", dense=base.tolist(), layers=["float64", "int32", "int64", "uint16", "uint32"], **annotations(obs, var))

# CSR X with int32 indices (anndata's choice for small matrices), CSR layers
# of every value dtype, and a raw with more genes than X.
raw_genes = genes + 3
raw_base = counts(cells, raw_genes, seed=1)
raw_var = pd.DataFrame({"kept": [i < genes for i in range(raw_genes)]},
                       index=[f"rawgene{i}" for i in range(raw_genes)])
a = ad.AnnData(X=sp.csr_matrix(raw_base), obs=obs, var=raw_var)
a.raw = a
a = ad.AnnData(X=sp.csr_matrix(base.astype(np.float32)), obs=obs, var=var, raw=a.raw)
for dtype in ["float64", "int32", "int64", "uint16", "uint32"]:
    a.layers[dtype] = sp.csr_matrix(base.astype(dtype))
a.write_h5ad(path("csr32.h5ad"))
expect("csr32", dense=base.tolist(), raw=raw_base.tolist(), raw_genes=list(raw_var.index),
       layers=["float64", "int32", "int64", "uint16", "uint32"], **annotations(obs, var))

# CSR with int64 indices and indptr, as large files have them.
a = ad.AnnData(X=sp.csr_matrix(base.astype(np.float32)), obs=obs, var=var)
a.write_h5ad(path("csr64.h5ad"))
with h5py.File(path("csr64.h5ad"), "r+") as f:
    for name in ["indices", "indptr"]:
        values = f["X"][name][...].astype(np.int64)
        del f["X"][name]
        f["X"].create_dataset(name, data=values)
    assert f["X/indices"].dtype == np.int64 and f["X/indptr"].dtype == np.int64
expect("csr64", dense=base.tolist(), **annotations(obs, var))

# Compressed: gzip (chunked) and LZF, bigger so rows span chunks.
big_cells, big_genes = 300, 40
big = counts(big_cells, big_genes, density=0.1, seed=2)
big_obs, big_var = frames(big_cells, big_genes)
for compression in ["gzip", "lzf"]:
    a = ad.AnnData(X=sp.csr_matrix(big.astype(np.float32)), obs=big_obs, var=big_var)
    a.layers["dense"] = big.astype(np.float32)
    a.write_h5ad(path(f"{compression}.h5ad"), compression=compression)
    with h5py.File(path(f"{compression}.h5ad")) as f:
        assert f["X/data"].compression == compression and f["X/data"].chunks, f["X/data"].compression
        assert f["layers/dense"].compression == compression
    expect(compression, dense=big.tolist(), **annotations(big_obs, big_var))

# A categorical column with more than 127 categories: int16 codes.
many = pd.Categorical([f"donor{i}" for i in range(200)])
a = ad.AnnData(X=sp.csr_matrix((200, 2), dtype=np.float32),
               obs=pd.DataFrame({"donor": many}, index=[f"c{i}" for i in range(200)]),
               var=pd.DataFrame(index=["g0", "g1"]))
a.write_h5ad(path("wide-categories.h5ad"))
with h5py.File(path("wide-categories.h5ad")) as f:
    assert f["obs/donor/codes"].dtype == np.int16, f["obs/donor/codes"].dtype
expect("wide-categories", codes=[int(c) for c in many.codes], categories=list(many.categories))

# CSC X: refused.
a = ad.AnnData(X=sp.csc_matrix(base.astype(np.float32)), obs=obs, var=var)
a.write_h5ad(path("csc.h5ad"))

# Old-style (anndata < 0.7): h5sparse X, compound obs and var.
with h5py.File(path("old.h5ad"), "w") as f:
    m = sp.csr_matrix(base.astype(np.float32))
    x = f.create_group("X")
    x.attrs["h5sparse_format"] = "csr"
    x.attrs["h5sparse_shape"] = m.shape
    x["data"], x["indices"], x["indptr"] = m.data, m.indices, m.indptr
    f["obs"] = np.array([(f"cell{i}".encode(),) for i in range(cells)], dtype=[("index", "S8")])
    f["var"] = np.array([(f"gene{i}".encode(),) for i in range(genes)], dtype=[("index", "S8")])
# Old-style with a dense X: only the compound tables give it away.
with h5py.File(path("old-dense.h5ad"), "w") as f:
    f["X"] = base.astype(np.float32)
    f["obs"] = np.array([(f"cell{i}".encode(),) for i in range(cells)], dtype=[("index", "S8")])
    f["var"] = np.array([(f"gene{i}".encode(),) for i in range(genes)], dtype=[("index", "S8")])

# 10x Cell Ranger v3: CSC by barcode = CSR of cells x features, with
# antibody features mixed in; fixed-length strings as Cell Ranger writes.
features = 6
types = ["Gene Expression", "Antibody Capture", "Gene Expression", "Gene Expression", "Antibody Capture", "Gene Expression"]
tenx = counts(cells, features, seed=3)
m = sp.csr_matrix(tenx.astype(np.int32))
with h5py.File(path("tenx-v3.h5"), "w") as f:
    g = f.create_group("matrix")
    g["barcodes"] = np.array([f"AAAC{i:04d}-1".encode() for i in range(cells)])
    g.create_dataset("data", data=m.data.astype(np.int32), compression="gzip", chunks=True)
    g.create_dataset("indices", data=m.indices.astype(np.int64), compression="gzip", chunks=True)
    g.create_dataset("indptr", data=m.indptr.astype(np.int64), compression="gzip", chunks=True)
    g["shape"] = np.array([features, cells], dtype=np.int32)
    fg = g.create_group("features")
    fg["name"] = np.array([f"F{i}".encode() for i in range(features)])
    fg["id"] = np.array([f"ENSG{i:05d}".encode() for i in range(features)])
    fg["feature_type"] = np.array([t.encode() for t in types])
    fg["genome"] = np.array([b"GRCh38"] * features)
    fg["_all_tag_keys"] = np.array([b"genome"])
    f.attrs["library_ids"] = np.array([b"pbmc"])
    f.attrs["chemistry_description"] = "Single Cell 3' v3"
expect("tenx-v3", dense=tenx.tolist(), names=[f"F{i}" for i in range(features)], types=types)

# 10x Cell Ranger v2: a group per genome. Refused by name.
with h5py.File(path("tenx-v2.h5"), "w") as f:
    g = f.create_group("GRCh38")
    g["barcodes"] = np.array([f"AAAC{i:04d}-1".encode() for i in range(cells)])
    g["data"], g["indices"], g["indptr"] = m.data, m.indices, m.indptr
    g["genes"] = np.array([f"ENSG{i:05d}".encode() for i in range(features)])
    g["gene_names"] = np.array([f"F{i}".encode() for i in range(features)])
    g["shape"] = np.array([features, cells], dtype=np.int32)


# Broken matrices: valid anndata files patched with h5py.
def broken(name, patch):
    a = ad.AnnData(X=sp.csr_matrix(base.astype(np.float32)), obs=obs, var=var)
    a.write_h5ad(path(name + ".h5ad"))
    with h5py.File(path(name + ".h5ad"), "r+") as f:
        patch(f["X"])


def set_indptr(x, values):
    x["indptr"][...] = values


indptr = sp.csr_matrix(base).indptr
nonmonotone = indptr.copy()
nonmonotone[3] = nonmonotone[4] + 1
broken("indptr-decreasing", lambda x: set_indptr(x, nonmonotone))
short = indptr.copy()
short[-1] -= 1
broken("indptr-end", lambda x: set_indptr(x, short))
start = indptr.copy()
start[0] = 1
broken("indptr-start", lambda x: set_indptr(x, start))


def bad_index(x):
    values = x["indices"][...]
    values[2] = genes + 4
    x["indices"][...] = values


broken("indices-range", bad_index)


def negative_index(x):
    values = x["indices"][...]
    values[0] = -1
    x["indices"][...] = values


broken("indices-negative", negative_index)


def bad_shape(x):
    x.attrs["shape"] = np.array([cells, genes + 1])


broken("shape", bad_shape)


def short_data(x):
    values = x["data"][...]
    del x["data"]
    x["data"] = values[:-1]


broken("data-length", short_data)

# Unsorted column indices within a row (allowed by scipy; read as stored).
unsorted = sp.csr_matrix(base.astype(np.float32))
rows = [unsorted.indices[s:e][::-1].copy() for s, e in zip(unsorted.indptr, unsorted.indptr[1:])]
data = [unsorted.data[s:e][::-1].copy() for s, e in zip(unsorted.indptr, unsorted.indptr[1:])]
unsorted = sp.csr_matrix((np.concatenate(data), np.concatenate(rows), unsorted.indptr), shape=base.shape)
unsorted.has_sorted_indices = False
a = ad.AnnData(X=unsorted, obs=obs, var=var)
a.write_h5ad(path("unsorted.h5ad"))
expect("unsorted", dense=base.tolist())

# Log-normalized values: not counts (the first one is row 0's first non-zero).
lognorm = np.log1p(base).astype(np.float32)
ad.AnnData(X=sp.csr_matrix(lognorm), obs=obs, var=var).write_h5ad(path("lognorm.h5ad"))
first = int(np.flatnonzero(base[0])[0])
expect("lognorm", row=0, gene=f"gene{first}", value=float(lognorm[0, first]))

# Truncated: the first half of a valid file. Not HDF5: text.
with open(path("csr32.h5ad"), "rb") as f:
    whole = f.read()
with open(path("truncated.h5ad"), "wb") as f:
    f.write(whole[: len(whole) // 2])
with open(path("text.h5ad"), "w") as f:
    f.write("cell,gene\n1,2\n")
# HDF5 that is neither format.
with h5py.File(path("other.h5"), "w") as f:
    f["weights"] = np.zeros(3)

# A small valid file for the fuzz test.
small = counts(4, 3, density=0.5, seed=4)
so, sv = frames(4, 3)
ad.AnnData(X=sp.csr_matrix(small.astype(np.float32)), obs=so, var=sv).write_h5ad(path("fuzz-seed.h5ad"))
expect("fuzz-seed", dense=small.tolist())
print("ok")
