//! go-yaml v2's map key order (its `keyList.Less`).

use serde_json::Value;
use std::cmp::Ordering;

/// Sorts map entries with go-yaml's `Less`. That relation is not a total order for some
/// mixes of digits and leading zeros (Go then depends on its random map iteration), so
/// this uses a plain merge sort that cannot panic on an inconsistent comparison.
pub(super) fn sort_keys<'a>(
    mut entries: Vec<(&'a String, &'a Value)>,
) -> Vec<(&'a String, &'a Value)> {
    if entries.len() <= 1 {
        return entries;
    }
    let right = entries.split_off(entries.len() / 2);
    let (left, right) = (sort_keys(entries), sort_keys(right));
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        if key_order(b.0, a.0) == Ordering::Less {
            out.extend(r.next());
        } else {
            out.extend(l.next());
        }
    }
    out.extend(l);
    out.extend(r);
    out
}

/// go-yaml v2's map key order: letters after non-letters, digit runs compared as numbers.
fn key_order(a: &str, b: &str) -> Ordering {
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
            let mut xn: i64 = 0;
            let mut yn: i64 = 0;
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
            let mut xi = i;
            while xi < x.len() && x[xi].is_ascii_digit() {
                xn = xn
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(x[xi] as u8 - b'0'));
                xi += 1;
            }
            let mut yi = i;
            while yi < y.len() && y[yi].is_ascii_digit() {
                yn = yn
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(y[yi] as u8 - b'0'));
                yi += 1;
            }
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
