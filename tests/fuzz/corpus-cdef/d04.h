struct anon { int a; union { int i; float f; }; struct { char x, y; }; };
