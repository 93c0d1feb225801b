/* Small helpers of semantic analysis: glob matching of attach points and the edit distance
 * behind "did you mean" notes. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "sema_int.h"

bool sema_has_glob(const char *s)
{
	return s && strpbrk(s, "*?[") != NULL;
}

bool sema_glob_match(const char *glob, const char *s)
{
	return fnmatch(glob, s, 0) == 0;
}

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;
	return m < c ? m : c;
}

/* Optimal string alignment distance: insertions, deletions, substitutions and swaps of
 * adjacent characters each cost 1 ("cuont" is one step from "count"). */
int sema_edit_distance(const char *a, const char *b)
{
	int n = (int)strlen(a), m = (int)strlen(b);
	if (n > 64 || m > 64)
		return abs(n - m) + 64;
	int d[65][65];
	for (int i = 0; i <= n; i++)
		d[i][0] = i;
	for (int j = 0; j <= m; j++)
		d[0][j] = j;
	for (int i = 1; i <= n; i++) {
		for (int j = 1; j <= m; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[n][m];
}

void sema_suggest_init(struct sema_suggest *s, const char *want)
{
	s->want = want;
	s->best = NULL;
	s->dist = 1 << 30;
}

void sema_suggest_add(struct sema_suggest *s, const char *cand)
{
	if (!cand || !cand[0] || !s->want)
		return;
	int d = sema_edit_distance(s->want, cand);
	if (d < s->dist) {
		s->dist = d;
		s->best = cand;
	}
}

const char *sema_suggest_best(const struct sema_suggest *s)
{
	if (!s->best || !s->want)
		return NULL;
	int len = (int)strlen(s->want);
	int limit = len <= 3 ? 1 : len <= 8 ? 2 : 3;
	return s->dist > 0 && s->dist <= limit ? s->best : NULL;
}
