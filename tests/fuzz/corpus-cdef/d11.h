#ifdef X
struct x { int a; };
#else
struct x { long a; };
#endif
