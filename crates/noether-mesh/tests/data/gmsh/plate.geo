// A 2 x 1 plate with a circular hole of radius 0.2; boundary groups "outer" (1) and
// "hole" (2), surface group "plate" (10). See make.sh.
lc = 0.15;
Point(1) = {0, 0, 0, lc};
Point(2) = {2, 0, 0, lc};
Point(3) = {2, 1, 0, lc};
Point(4) = {0, 1, 0, lc};
Point(5) = {0.7, 0.5, 0, lc};
Point(6) = {0.9, 0.5, 0, lc};
Point(7) = {0.7, 0.7, 0, lc};
Point(8) = {0.5, 0.5, 0, lc};
Point(9) = {0.7, 0.3, 0, lc};
Line(1) = {1, 2};
Line(2) = {2, 3};
Line(3) = {3, 4};
Line(4) = {4, 1};
Circle(5) = {6, 5, 7};
Circle(6) = {7, 5, 8};
Circle(7) = {8, 5, 9};
Circle(8) = {9, 5, 6};
Curve Loop(1) = {1, 2, 3, 4};
Curve Loop(2) = {5, 6, 7, 8};
Plane Surface(1) = {1, 2};
Physical Curve("outer", 1) = {1, 2, 3, 4};
Physical Curve("hole", 2) = {5, 6, 7, 8};
Physical Surface("plate", 10) = {1};
