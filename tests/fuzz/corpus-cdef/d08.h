typedef unsigned long u64_t;
struct t { u64_t a; };
