#define N 4
#define M (N * 2)
struct arrs { char buf[16]; int m[2][3]; void *p; struct arrs *next; };
