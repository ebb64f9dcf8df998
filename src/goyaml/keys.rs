//! go-yaml v2's map key order (its `keyList.Less`).

use std::cmp::Ordering;

/// Sorts map entries by their key text with go-yaml's `Less`. That relation is not a total
/// order for some mixes of digits and leading zeros (Go then depends on its random map
/// iteration), so this uses a plain merge sort that cannot panic on an inconsistent
/// comparison (`slice::sort_by` may), run on the entries in byte order: the same keys then
/// always come out in the same order, so a file written, read and written again is the
/// same file (fuzzing found keys whose order changed on every write).
pub(super) fn sort_keys<T>(mut entries: Vec<T>, text: fn(&T) -> &str) -> Vec<T> {
    entries.sort_by(|a, b| text(a).cmp(text(b)));
    merge_sort(entries, text)
}

fn merge_sort<T>(mut entries: Vec<T>, text: fn(&T) -> &str) -> Vec<T> {
    if entries.len() <= 1 {
        return entries;
    }
    let right = entries.split_off(entries.len() / 2);
    let (left, right) = (merge_sort(entries, text), merge_sort(right, text));
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        if natural_cmp(text(b), text(a)) == Ordering::Less {
            out.extend(r.next());
        } else {
            out.extend(l.next());
        }
    }
    out.extend(l);
    out.extend(r);
    out
}

/// go-yaml v2's `keyList.Less` as an ordering: letters sort after non-letters and runs of
/// digits compare by numeric value (wrapping like Go's `int`), so `a9` < `a10`.
pub(super) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let less = |x: &[char], y: &[char]| -> bool {
        for i in 0..x.len().min(y.len()) {
            if x[i] == y[i] {
                continue;
            }
            let xl = x[i].is_alphabetic();
            let yl = y[i].is_alphabetic();
            if xl && yl {
                return x[i] < y[i];
            }
            if xl || yl {
                return yl;
            }
            let (mut xn, mut yn) = (0i64, 0i64);
            if x[i] == '0' || y[i] == '0' {
                let mut j = i;
                while j > 0 && x[j - 1].is_ascii_digit() {
                    j -= 1;
                    if x[j] != '0' {
                        xn = 1;
                        yn = 1;
                        break;
                    }
                }
            }
            let (xn, xi) = digit_run(x, i, xn);
            let (yn, yi) = digit_run(y, i, yn);
            if xn != yn {
                return xn < yn;
            }
            if xi != yi {
                return xi < yi;
            }
            return x[i] < y[i];
        }
        x.len() < y.len()
    };
    if less(&ar, &br) {
        Ordering::Less
    } else if less(&br, &ar) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// The value of the digit run at `s[i..]`, continuing from `n`, and where it ends; wraps
/// like Go's `int` so that absurdly long runs compare as Go compares them.
fn digit_run(s: &[char], mut i: usize, mut n: i64) -> (i64, usize) {
    while let Some(d) = s.get(i).and_then(|c| c.to_digit(10)) {
        n = n.wrapping_mul(10).wrapping_add(i64::from(d));
        i += 1;
    }
    (n, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_matches_go_yaml() {
        let mut keys = vec![
            "users",
            "a10",
            "current-context",
            "a9",
            "contexts",
            "a_b",
            "aB",
            "apiVersion",
        ];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            keys,
            [
                "a_b",
                "a9",
                "a10",
                "aB",
                "apiVersion",
                "contexts",
                "current-context",
                "users"
            ]
        );
        assert_eq!(natural_cmp("token", "tokenFile"), Ordering::Less);
    }

    #[test]
    fn keys_without_a_total_order_still_sort_the_same_whatever_their_order() {
        // Found by fuzzing: digit runs past i64 wrap, as Go's int does, so these keys compare
        // in a cycle, and each write of the file put them in another order.
        let keys = [
            "11:2999999990e39`9999999999999999999999999900000000099990e39`99999999999999999999999999999999999&y=<2>'",
            "11:2999999999`9999999999999990000000000000000000000000000000000000000000000000&y=<2>'",
            "11:2999999999`99999999999999999999sxared999999999999999999999ertificate-data",
            "11:2999999999`99990000000000000000000000000;00000000000000000000000000000000000000000000000000000000000000&y=<2>'",
        ];
        let sorted = sort_keys(keys.to_vec(), |k| k);
        for a in 0..keys.len() {
            for b in 0..keys.len() {
                let mut input = keys.to_vec();
                input.swap(0, a);
                input.swap(1, b);
                input.rotate_left(a);
                assert_eq!(sort_keys(input, |k| k), sorted);
            }
        }
    }
}
