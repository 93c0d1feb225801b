#include <linux/types.h>
struct k { __u32 a; __u64 b; };
