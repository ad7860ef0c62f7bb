// The unit cube, tetrahedra of size about 0.35; volume group "cube" (7), boundary
// group "walls" (3). See make.sh.
SetFactory("OpenCASCADE");
Box(1) = {0, 0, 0, 1, 1, 1};
Mesh.CharacteristicLengthMax = 0.35;
Physical Volume("cube", 7) = {1};
Physical Surface("walls", 3) = {1, 2, 3, 4, 5, 6};
