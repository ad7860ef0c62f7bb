"""Python half of `cargo xtask bench fem`: P1 Poisson stiffness assembly on the mesh
noether wrote (raw little-endian files: vertex coordinates as f64 triples, cells as
i64 quadruples), by DOLFINx or by scikit-fem.

    mpirun -n 2 /usr/bin/python3 fem_assembly.py dolfinx COORDS CELLS REPEATS
    VENV/bin/python fem_assembly.py skfem COORDS CELLS REPEATS

DOLFINx (Debian's python3-dolfinx, run under MPI) times the creation of the P1
function space, the form and `fem.assemble_matrix` (its native CSR matrix, sparsity
pattern included) with the ranks synchronised, the slowest rank counting; the JIT
compilation is warmed first. scikit-fem times `Basis(mesh, ElementTetP1())` and
`laplace.assemble`. The median over repeats is printed as JSON (by rank 0).
"""

import sys
import time

from peer import median, report


def dolfinx_run(coords, cells, repeats):
    import numpy as np
    import ufl
    from mpi4py import MPI
    import dolfinx
    from dolfinx import fem
    from dolfinx import mesh as dmesh

    comm = MPI.COMM_WORLD
    if comm.rank == 0:
        x = np.fromfile(coords, dtype="<f8").reshape(-1, 3)
        t = np.fromfile(cells, dtype="<i8").reshape(-1, 4)
    else:
        x = np.zeros((0, 3))
        t = np.zeros((0, 4), dtype=np.int64)
    domain = ufl.Mesh(ufl.VectorElement("Lagrange", "tetrahedron", 1))
    msh = dmesh.create_mesh(comm, t, x, domain)
    times, ndofs, nnz = [], 0, 0
    for r in range(repeats + 1):
        comm.Barrier()
        t0 = time.perf_counter()
        V = fem.FunctionSpace(msh, ("Lagrange", 1))
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        a = fem.form(ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx)
        A = fem.assemble_matrix(a)
        A.finalize()
        elapsed = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
        if r > 0:  # the first pass compiles the form
            times.append(elapsed)
        ndofs = V.dofmap.index_map.size_global
        nnz = comm.allreduce(len(A.data), op=MPI.SUM)
    if comm.rank == 0:
        report({
            "library": f"DOLFINx {dolfinx.__version__} ({comm.size} MPI ranks)",
            "assembly_s": median(times),
            "ndofs": ndofs,
            "nnz": nnz,
        })


def skfem_run(coords, cells, repeats):
    import numpy as np
    import skfem
    from skfem.models.poisson import laplace

    x = np.fromfile(coords, dtype="<f8").reshape(-1, 3)
    t = np.fromfile(cells, dtype="<i8").reshape(-1, 4)
    m = skfem.MeshTet(np.ascontiguousarray(x.T), np.ascontiguousarray(t.T))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        basis = skfem.Basis(m, skfem.ElementTetP1())
        A = laplace.assemble(basis)
        times.append(time.perf_counter() - t0)
    report({
        "library": f"scikit-fem {skfem.__version__}",
        "assembly_s": median(times),
        "ndofs": A.shape[0],
        "nnz": A.nnz,
    })


def main():
    which, coords, cells, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    try:
        if which == "dolfinx":
            dolfinx_run(coords, cells, repeats)
        else:
            skfem_run(coords, cells, repeats)
    except ImportError as exc:
        report({"note": f"{which} unavailable: {exc}"})


if __name__ == "__main__":
    main()
