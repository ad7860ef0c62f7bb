"""Reference P1 and P2 stiffness matrices from DOLFINx for the cross-check test
`crates/noether-fem/tests/dolfinx_stiffness.rs`.

Run with the system python3 and Debian's python3-dolfinx (0.5.2 made the stored
files):  /usr/bin/python3 make_stiffness.py

Each case perturbs the interior vertices of a DOLFINx unit square (8×8) or unit cube
(3×3×3) with a seeded RNG, assembles ∫∇u·∇v for Lagrange P1 and P2, and writes
`stiffness_{2d,3d}_p{1,2}.json`: the mesh (vertex coordinates and cells), the
coordinates of every dof, and the matrix entries (COO). The Rust test rebuilds the
mesh, assembles its own matrix and compares up to the dof permutation.
"""

import json

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI


def perturbed(dim):
    if dim == 2:
        msh = dmesh.create_unit_square(MPI.COMM_SELF, 8, 8)
        h = 1 / 8
    else:
        msh = dmesh.create_unit_cube(MPI.COMM_SELF, 3, 3, 3)
        h = 1 / 3
    x = msh.geometry.x
    rng = np.random.default_rng(20261129 + dim)
    interior = np.all((x[:, :dim] > 1e-12) & (x[:, :dim] < 1 - 1e-12), axis=1)
    x[interior, :dim] += 0.15 * h * (rng.random((interior.sum(), dim)) - 0.5)
    return msh


def main():
    for dim in (2, 3):
        msh = perturbed(dim)
        cells = msh.geometry.dofmap.array.reshape(-1, dim + 1)
        coords = msh.geometry.x[:, :dim]
        for degree in (1, 2):
            V = fem.FunctionSpace(msh, ("Lagrange", degree))
            u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
            A = fem.assemble_matrix(fem.form(ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx))
            A.finalize()
            dense = A.to_dense()
            rows, cols = np.nonzero(dense)
            out = {
                "dolfinx": "0.5.2",
                "dim": dim,
                "degree": degree,
                "coords": coords.ravel().tolist(),
                "cells": cells.ravel().astype(int).tolist(),
                "dof_coords": V.tabulate_dof_coordinates()[:, :dim].ravel().tolist(),
                "rows": rows.astype(int).tolist(),
                "cols": cols.astype(int).tolist(),
                "vals": dense[rows, cols].tolist(),
            }
            with open(f"stiffness_{dim}d_p{degree}.json", "w") as f:
                json.dump(out, f)
            print(f"{dim}-D P{degree}: {dense.shape[0]} dofs, {len(rows)} entries")


if __name__ == "__main__":
    main()
