struct s1 { char c; };;
struct s2 { struct s1 a[2]; char d; } ;
