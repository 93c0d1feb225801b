struct outer { struct inner { short s; char c; } in; struct inner arr[3]; int last };
