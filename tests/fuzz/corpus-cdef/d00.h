struct a { int x; char c; long y; };
