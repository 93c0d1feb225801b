// A C++ target for uprobe tests: a namespace, a class method and an overloaded function,
// so symbol listing can be checked on mangled and demangled names. `uprobe_target_cpp N`
// calls ns::Foo::bar N times and each ns::over overload once.
#include <cstdio>
#include <cstdlib>

namespace ns {

class Foo {
public:
	int base;
	int bar(int x);
};

int Foo::bar(int x)
{
	return base + x;
}

int over(int x)
{
	return x + 1;
}

int over(const char *s, long n)
{
	return s[0] + (int)n;
}

} // namespace ns

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	ns::Foo foo = { 1 };
	int total = 0;

	for (int i = 0; i < n; i++)
		total += foo.bar(i);
	total += ns::over(2) + ns::over("x", 3);
	printf("%d\n", total);
	return 0;
}
