// Text as a search compares it: the way a name is typed aside. 阿依古丽·买买提 is written with any of
// several middle dots (· • ・ ‧ …) or none, names with or without spaces, letters full-width or
// half-width, in either case: all of those find the same person.

// Middle dots and bullets written between the parts of a name (U+00B7, U+0387, U+2022, U+2027, U+2219,
// U+22C5, U+2E31, U+30FB, U+FF65) and white space of any width.
const IGNORED = /[\u00b7\u0387\u2022\u2027\u2219\u22c5\u2e31\u30fb\uff65\s]/gu;

/** `text` folded for comparing: full-width letters and digits as ASCII (NFKC), lower case, without
 *  middle dots or spaces. */
export function searchable(text) {
  return String(text ?? '').normalize('NFKC').toLowerCase().replace(IGNORED, '');
}

/** Whether `value` contains `query` (both as `searchable` folds them; an empty query contains nothing). */
export function contains(value, query) {
  const wanted = searchable(query);
  return wanted !== '' && searchable(value).includes(wanted);
}
