enum e { A, B = 5, C, D = -1 };
struct withenum { enum e v; };
