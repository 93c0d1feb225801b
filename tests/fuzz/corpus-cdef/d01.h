struct b { unsigned int f : 3; unsigned int g : 5; int h : 1; char tail; };
