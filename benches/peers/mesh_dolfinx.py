"""Python half of `cargo xtask bench mesh`: DOLFINx builds the unit-cube tetrahedral
mesh (6 tetrahedra per cube, like noether's Kuhn split) and its topology.

Runs with the system python3 (Debian's python3-dolfinx), not the bench venv. Times
`create_unit_cube` and the creation of edges, faces and the cell-edge, cell-face and
face-edge connectivities, median over repeats, and prints one JSON object.
"""

import sys
import time

from peer import median, report


def main():
    n, repeats = int(sys.argv[1]), int(sys.argv[2])
    try:
        from mpi4py import MPI
        import dolfinx
        from dolfinx.mesh import CellType, create_unit_cube
    except Exception as exc:  # noqa: BLE001
        report({"note": f"dolfinx unavailable: {exc}"})
        return
    create, topology = [], []
    counts = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        mesh = create_unit_cube(MPI.COMM_WORLD, n, n, n, cell_type=CellType.tetrahedron)
        t1 = time.perf_counter()
        top = mesh.topology
        top.create_entities(1)
        top.create_entities(2)
        top.create_connectivity(3, 1)
        top.create_connectivity(3, 2)
        top.create_connectivity(2, 1)
        top.create_connectivity(2, 3)
        t2 = time.perf_counter()
        create.append(t1 - t0)
        topology.append(t2 - t1)
        counts = [top.index_map(d).size_local for d in range(4)]
    report({
        "library": f"DOLFINx {dolfinx.__version__} (1 process)",
        "create_s": median(create),
        "topology_s": median(topology),
        "counts": counts,
    })


if __name__ == "__main__":
    main()
