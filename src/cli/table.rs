//! Go `text/tabwriter` column layout as kubectl configures it (min width 6,
//! padding 3, blanks), so tables line up byte for byte with kubectl's.

const MIN_WIDTH: usize = 6;
const PADDING: usize = 3;

/// Lays out `rows` (the first is usually the header). Every cell but the last
/// of a row is padded to its column's width; the last is printed as is, as
/// tabwriter does with a row's unterminated final cell. Each row ends in `\n`.
pub fn render(rows: &[Vec<String>]) -> String {
    render_with(rows, MIN_WIDTH, PADDING, &|cell| cell.to_string())
}

/// [`render`] with tabwriter's `minwidth` and `padding` given (kubectl plugins such as
/// rakkess and kubectl-who-can configure their own), and `paint` applied to each cell
/// after its width is measured, so colour escapes take no room.
pub fn render_with(
    rows: &[Vec<String>],
    min_width: usize,
    padding: usize,
    paint: &dyn Fn(&str) -> String,
) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            let w = (cell.chars().count() + padding).max(min_width);
            widths[i] = widths[i].max(w);
        }
    }
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(&paint(cell));
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count();
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_kubectl_get_contexts() {
        let out = render(&[
            row(&["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]),
            row(&[
                "*",
                "bearertokenauth-context",
                "bearertoken-cluster",
                "bearertokenauth",
                "default",
            ]),
        ]);
        assert_eq!(
            out,
            "CURRENT   NAME                      CLUSTER               AUTHINFO          NAMESPACE\n\
             *         bearertokenauth-context   bearertoken-cluster   bearertokenauth   default\n"
        );
    }

    #[test]
    fn short_columns_get_the_minimum_width() {
        assert_eq!(render(&[row(&["a", "b"])]), "a     b\n");
    }
}
