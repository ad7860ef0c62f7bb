#!/bin/sh
# Regenerates the Gmsh meshes used by tests/io.rs (Gmsh 4.8.4, Debian package `gmsh`).
set -e
cd "$(dirname "$0")"
gmsh plate.geo -2 -format msh41 -o plate_v41.msh
gmsh plate_v41.msh -0 -format msh22 -bin -o plate_v22_bin.msh
gmsh cube.geo -3 -format msh41 -bin -o cube_v41_bin.msh
gmsh cube_v41_bin.msh -0 -format msh22 -o cube_v22.msh
