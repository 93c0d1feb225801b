union u { int i; char c[3]; long l; };
