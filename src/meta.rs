//! Report metadata: year, unit, unit type and grouping variables.
//!
//! Precedence for the year (architecture contract): `manifest.csv` > a year in the path > the title and
//! first lines > unknown. Placeholders such as `20XX` leave the year unknown with a warning.

use crate::error::{Error, Result};
use regex::Regex;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

/// What is known about a report besides its text.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Meta {
    /// Reporting year, when known.
    pub year: Option<i32>,
    /// Unit name (镇, 村, company, school, …).
    pub unit: Option<String>,
    /// Unit type (镇党委, 村党支部, 国有企业, …).
    pub unit_type: Option<String>,
    /// Extra manifest columns (region, …), usable with `--by`.
    pub groups: BTreeMap<String, String>,
}

/// No value (an empty cell).
const NONE: u32 = u32::MAX;

/// One row of `manifest.csv`: its path and values as positions in the manifest's text (28 bytes a row; a
/// corpus with a fresh unit for each of 300,000 reports keeps its manifest in about 20 MB).
#[derive(Debug, Clone, Copy)]
struct Row {
    /// The path (`/`-separated) in `Manifest::keys`: start and length.
    key: (u32, u32),
    /// Line in the file, for the message about a path listed twice.
    line: u32,
    /// 0 when the cell is empty.
    year: i32,
    unit: u32,
    unit_type: u32,
    /// Start of this row's extra values in `Manifest::extra` (one per extra column).
    extra: u32,
}

/// Distinct cell values, each once, in one string.
#[derive(Debug, Clone, Default)]
struct Values {
    text: String,
    spans: Vec<(u32, u32)>,
    /// Hash of a value → its number; a taken slot whose value differs sends the search to the next hash.
    index: HashMap<u64, u32>,
    hasher: std::collections::hash_map::RandomState,
}

impl Values {
    fn intern(&mut self, v: &str) -> u32 {
        use std::hash::BuildHasher;
        let mut h = self.hasher.hash_one(v);
        loop {
            match self.index.get(&h) {
                Some(&i) if self.get(i) == Some(v) => return i,
                Some(_) => h = h.wrapping_add(1),
                None => {
                    let i = self.spans.len() as u32;
                    self.spans.push((self.text.len() as u32, v.len() as u32));
                    self.text.push_str(v);
                    self.index.insert(h, i);
                    return i;
                }
            }
        }
    }

    fn get(&self, i: u32) -> Option<&str> {
        let &(start, len) = self.spans.get(i as usize)?;
        Some(&self.text[start as usize..(start + len) as usize])
    }
}

/// `manifest.csv` of a corpus root: `path,year,unit,unit_type` plus any extra columns.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// Rows sorted by path.
    rows: Vec<Row>,
    /// Every row's path, one after another.
    keys: String,
    values: Values,
    /// Extra column values of every row ([`NONE`] for an empty cell).
    extra: Vec<u32>,
    /// Names of the extra columns, in file order.
    pub extra_columns: Vec<String>,
}

/// What the manifest says of one file.
#[derive(Debug, Clone, Copy)]
pub struct ManifestRow<'a> {
    manifest: &'a Manifest,
    row: &'a Row,
}

impl<'a> ManifestRow<'a> {
    /// The year, if its cell is filled.
    pub fn year(&self) -> Option<i32> {
        (self.row.year != 0).then_some(self.row.year)
    }

    /// The unit, if its cell is filled.
    pub fn unit(&self) -> Option<&'a str> {
        self.manifest.values.get(self.row.unit)
    }

    /// The unit type, if its cell is filled.
    pub fn unit_type(&self) -> Option<&'a str> {
        self.manifest.values.get(self.row.unit_type)
    }

    /// (extra column name, value) of the filled extra cells, in column order.
    pub fn extra(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let m = self.manifest;
        let start = self.row.extra as usize;
        m.extra_columns
            .iter()
            .zip(&m.extra[start..start + m.extra_columns.len()])
            .filter_map(move |(name, &v)| Some((name.as_str(), m.values.get(v)?)))
    }
}

impl Manifest {
    /// Reads `manifest.csv` from `root` if there is one.
    ///
    /// # Errors
    /// A malformed file (no `path` column, bad year, ragged rows) is an error naming the line.
    pub fn load(root: &Path) -> Result<Option<Manifest>> {
        let path = root.join("manifest.csv");
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = crate::regular_file::read(&path).map_err(|e| Error::io(&path, e))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::data(&path, 0, "manifest.csv must be UTF-8"))?;
        Self::parse(&path, text.trim_start_matches('\u{FEFF}')).map(Some)
    }

    /// Parses manifest text; `path` is only used in error messages.
    ///
    /// # Errors
    /// See [`Manifest::load`].
    pub fn parse(path: &Path, text: &str) -> Result<Manifest> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::data(path, 1, e.to_string()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let path_col = col("path").ok_or_else(|| Error::data(path, 1, "no 'path' column"))?;
        let (year_col, unit_col, type_col) = (col("year"), col("unit"), col("unit_type"));
        let extra_columns: Vec<String> = headers
            .iter()
            .filter(|h| !["path", "year", "unit", "unit_type"].contains(&h.as_str()))
            .cloned()
            .collect();
        let extra_cols: Vec<Option<usize>> = extra_columns.iter().map(|n| col(n)).collect();
        let mut m = Manifest {
            extra_columns,
            ..Manifest::default()
        };
        let mut rec = csv::StringRecord::new();
        let mut line = 1;
        loop {
            line += 1;
            match rdr.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    return Err(m
                        .earlier_duplicate(path, line)
                        .unwrap_or_else(|| Error::data(path, line, e.to_string())))
                }
            }
            if let Err(e) = m.add_row(
                &rec,
                line,
                path_col,
                [year_col, unit_col, type_col],
                &extra_cols,
            ) {
                return Err(m
                    .earlier_duplicate(path, line)
                    .unwrap_or_else(|| Error::data(path, line, e)));
            }
        }
        if let Some(e) = m.earlier_duplicate(path, usize::MAX) {
            return Err(e);
        }
        m.values.index = HashMap::new();
        m.rows.shrink_to_fit();
        m.keys.shrink_to_fit();
        m.values.text.shrink_to_fit();
        m.values.spans.shrink_to_fit();
        m.extra.shrink_to_fit();
        Ok(m)
    }

    /// Adds one record; the message says what is wrong with it.
    fn add_row(
        &mut self,
        rec: &csv::StringRecord,
        line: usize,
        path_col: usize,
        [year_col, unit_col, type_col]: [Option<usize>; 3],
        extra_cols: &[Option<usize>],
    ) -> std::result::Result<(), String> {
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let key = get(Some(path_col)).ok_or("empty path")?;
        let year = match get(year_col) {
            Some(y) => y
                .parse::<i32>()
                .ok()
                .filter(|y| (1949..=2100).contains(y))
                .ok_or_else(|| format!("bad year '{y}'"))?,
            None => 0,
        };
        let start = self.keys.len();
        for c in key.chars() {
            self.keys.push(if c == '\\' { '/' } else { c });
        }
        let mut value = |c| get(c).map_or(NONE, |v| self.values.intern(v));
        let (unit, unit_type) = (value(unit_col), value(type_col));
        let extra = self.extra.len() as u32;
        for &c in extra_cols {
            self.extra.push(value(c));
        }
        self.rows.push(Row {
            key: (start as u32, (self.keys.len() - start) as u32),
            line: line as u32,
            year,
            unit,
            unit_type,
            extra,
        });
        Ok(())
    }

    fn key(&self, row: &Row) -> &str {
        &self.keys[row.key.0 as usize..(row.key.0 + row.key.1) as usize]
    }

    /// Sorts the rows by path and finds the first path listed twice (by the line of its second row) if
    /// that line comes before `line`: a second row for the same file is refused, not silently preferred.
    fn earlier_duplicate(&mut self, path: &Path, line: usize) -> Option<Error> {
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_unstable_by(|a, b| self.key(a).cmp(self.key(b)).then(a.line.cmp(&b.line)));
        let dup = rows
            .windows(2)
            .filter(|w| self.key(&w[0]) == self.key(&w[1]))
            .min_by_key(|w| w[1].line)
            .filter(|w| (w[1].line as usize) < line)
            .map(|w| {
                Error::data(
                    path,
                    w[1].line as usize,
                    format!(
                        "'{}' is listed twice, on lines {} and {}: keep one row per file \
                         (shuzhi will not guess which year and unit are right)",
                        crate::error::clip(self.key(&w[0])),
                        w[0].line,
                        w[1].line
                    ),
                )
            });
        self.rows = rows;
        dup
    }

    /// The row of a file, by its path relative to the root (`/`-separated).
    pub fn row(&self, rel: &str) -> Option<ManifestRow<'_>> {
        let i = self.rows.binary_search_by(|r| self.key(r).cmp(rel)).ok()?;
        Some(ManifestRow {
            manifest: self,
            row: &self.rows[i],
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the manifest has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

static YEAR_COMPONENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:19[5-9]\d|20\d\d)(?:年度?)?$").expect("regex"));
static YEAR_LEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^((?:19[5-9]|20\d)\d)(?:年|[-_ .])").expect("regex"));
static YEAR_IN_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19[5-9]|20\d)\d)\s*年").expect("regex"));
static YEAR_CN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([一二][〇零○Ｏ一二三四五六七八九]{3})\s*年").expect("regex"));
static YEAR_DU: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19[5-9]|20\d)\d)\s*年度").expect("regex"));
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:20|19|二〇|二零)[XxＸｘ×*＊○〇]{2}\s*年|[XxＸｘ]{4}\s*年").expect("regex")
});
static UNIT_IN_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:中共|中国共产党)?(.{2,30}?)(?:党委|党工委|党总支|总支部|党支部|支部委员会|委员会|党组)(?:副?书记|.{0,6}书记|委员会|$)",
    )
    .expect("regex")
});
static UNIT_IN_BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:我作为|作为|我是)([\p{Han}*＊]{1,16}?(?:镇|乡|街道|村|社区|公司|集团|学校|中学|小学|学院|医院|卫生院|局|委|办|协会|商会))",
    )
    .expect("regex")
});
static COUNTY_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\p{Han}]{1,6}?(?:县|区|市)([\p{Han}*＊]{1,10}(?:镇|乡|街道|村|社区))$")
        .expect("regex")
});

fn chinese_year(s: &str) -> Option<i32> {
    let mut y = 0i32;
    for c in s.chars() {
        let d = match c {
            '〇' | '零' | '○' | 'Ｏ' => 0,
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        };
        y = y * 10 + d;
    }
    (1949..=2100).contains(&y).then_some(y)
}

/// The year a report id carries in its path: a folder named like a year, or a leading year in the file name.
pub fn year_from_path(id: &str) -> Option<i32> {
    let parts: Vec<&str> = id.split('/').collect();
    let (file, dirs) = parts.split_last()?;
    for dir in dirs.iter().rev() {
        if YEAR_COMPONENT.is_match(dir) {
            return dir[..4].parse().ok();
        }
    }
    YEAR_LEADING.captures(file).and_then(|c| c[1].parse().ok())
}

/// The title block: the first non-empty line and up to two short lines after it.
fn head_lines(text: &str) -> Vec<&str> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut out = Vec::new();
    if let Some(first) = lines.next() {
        out.push(first);
    }
    for l in lines.take(2) {
        if l.chars().count() <= 40 {
            out.push(l);
        } else {
            break;
        }
    }
    out
}

/// The year stated in the title block, or a `XXXX年度` in the opening.
pub fn year_from_text(text: &str) -> Option<i32> {
    for line in head_lines(text) {
        if let Some(c) = YEAR_IN_TEXT.captures(line) {
            return c[1].parse().ok();
        }
        if let Some(y) = YEAR_CN.captures(line).and_then(|c| chinese_year(&c[1])) {
            return Some(y);
        }
    }
    let opening: String = text.chars().take(300).collect();
    YEAR_DU.captures(&opening).and_then(|c| c[1].parse().ok())
}

/// Unit name from the title line, else from a phrase like 「我作为XX镇…」 in the opening.
pub fn unit_from_text(text: &str) -> Option<String> {
    let heads = head_lines(text);
    for line in &heads {
        let line = line.trim_start_matches(['《', '“', '"']);
        if let Some(c) = UNIT_IN_TITLE.captures(line) {
            let raw = c[1].trim();
            // Strip a leading year or a trailing 年度 phrase that some titles put first.
            let raw = YEAR_IN_TEXT.replace(raw, "").to_string();
            let raw = raw.trim_start_matches(['度', ' ', '：', ':']).trim();
            if raw.chars().count() >= 2 && !raw.contains("基层党建") && !raw.contains("述职")
            {
                return Some(shorten_unit(raw));
            }
        }
    }
    let opening: String = text.chars().take(600).collect();
    UNIT_IN_BODY.captures(&opening).map(|c| shorten_unit(&c[1]))
}

/// 「临溪县青石镇」 → 「青石镇」: township-level units are named without their county.
fn shorten_unit(unit: &str) -> String {
    match COUNTY_PREFIX.captures(unit) {
        Some(c) => c[1].to_string(),
        None => unit.to_string(),
    }
}

/// Unit type derived from the unit name and the title (镇党委, 村党支部, 国有企业, 非公企业, …).
pub fn unit_type_of(unit: &str, title: &str) -> Option<&'static str> {
    let u = unit;
    let has = |s: &str, words: &[&str]| words.iter().any(|w| s.contains(w));
    let t = if u.ends_with("街道") || title.contains("党工委") && u.contains("街道") {
        "街道党工委"
    } else if u.ends_with("社区") {
        "社区党委"
    } else if u.ends_with('村') || u.ends_with("村委会") {
        "村党支部"
    } else if u.ends_with('镇') {
        "镇党委"
    } else if u.ends_with('乡') {
        "乡党委"
    } else if has(u, &["医院", "卫生院", "卫生服务中心", "疾控", "妇幼保健"]) {
        "医院"
    } else if has(
        u,
        &[
            "中学",
            "小学",
            "学校",
            "学院",
            "大学",
            "幼儿园",
            "职校",
            "职业技术",
        ],
    ) {
        "学校"
    } else if has(
        u,
        &[
            "协会",
            "商会",
            "学会",
            "联合会",
            "基金会",
            "促进会",
            "社会组织",
            "志愿者",
            "社工",
        ],
    ) {
        "社会组织"
    } else if has(u, &["公司", "集团", "企业", "厂", "银行", "有限"]) {
        if has(
            u,
            &[
                "国有",
                "国资",
                "投资",
                "城投",
                "城建",
                "供电",
                "电力",
                "烟草",
                "水务",
                "交通",
                "发展集团",
                "建设集团",
                "农商",
                "国企",
            ],
        ) || has(title, &["国有企业", "国企"])
        {
            "国有企业"
        } else {
            "非公企业"
        }
    } else if has(
        u,
        &[
            "局",
            "委员会",
            "办公室",
            "政府",
            "法院",
            "检察院",
            "机关",
            "人大",
            "政协",
            "委",
            "办",
            "部",
            "中心",
        ],
    ) {
        "机关"
    } else if has(title, &["非公", "两新"]) {
        "非公企业"
    } else {
        return None;
    };
    Some(t)
}

/// Derives [`Meta`] for a report, warning where the year is unknown or a placeholder.
pub fn derive(
    id: &str,
    text: &str,
    manifest: Option<&Manifest>,
    warnings: &mut Vec<String>,
) -> Meta {
    let row = manifest.and_then(|m| m.row(id));
    let groups: BTreeMap<String, String> = row
        .map(|r| {
            r.extra()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let title = head_lines(text).first().copied().unwrap_or("").to_string();
    let year = row
        .and_then(|r| r.year())
        .or_else(|| year_from_path(id))
        .or_else(|| year_from_text(text));
    if year.is_none() {
        let head: String = text.chars().take(2000).collect();
        match PLACEHOLDER.find(&head) {
            Some(m) => warnings.push(format!(
                "year unknown: the text has the placeholder '{}' instead of a year",
                m.as_str().trim_end_matches('年').trim()
            )),
            None => warnings.push("year unknown: none in manifest, path or title".into()),
        }
    }
    let unit = row
        .and_then(|r| r.unit().map(str::to_string))
        .or_else(|| unit_from_text(text))
        .or_else(|| {
            let file = id.rsplit('/').next().unwrap_or(id);
            let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
            (!stem.is_empty()).then(|| stem.to_string())
        });
    let unit_type = row
        .and_then(|r| r.unit_type().map(str::to_string))
        .or_else(|| {
            unit.as_deref()
                .and_then(|u| unit_type_of(u, &title))
                .map(str::to_string)
        });
    Meta {
        year,
        unit,
        unit_type,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_precedence() {
        assert_eq!(year_from_path("2023/a.txt"), Some(2023));
        assert_eq!(year_from_path("x/2021年/a.txt"), Some(2021));
        assert_eq!(year_from_path("2022_青石镇.txt"), Some(2022));
        assert_eq!(year_from_path("a/b.txt"), None);
        assert_eq!(year_from_path("20230.txt"), None);
        assert_eq!(
            year_from_text("青石镇党委书记2021年度抓基层党建工作述职报告\n正文"),
            Some(2021)
        );
        assert_eq!(year_from_text("二〇二二年度述职报告\n"), Some(2022));
        assert_eq!(year_from_text("述职报告\n（2020年12月）\n正文"), Some(2020));
    }

    #[test]
    fn placeholder_year_warns() {
        let mut w = Vec::new();
        let m = derive(
            "r.txt",
            "关于20XX年度抓基层党建工作情况的述职\n正文",
            None,
            &mut w,
        );
        assert_eq!(m.year, None);
        assert!(w[0].contains("20XX"), "{w:?}");
    }

    #[test]
    fn unit_and_type() {
        let t = "临溪县青石镇党委书记2021年度抓基层党建工作述职报告\n正文";
        assert_eq!(unit_from_text(t).as_deref(), Some("青石镇"));
        let t = "中共东漳县第二中学总支部委员会书记述职报告\n";
        assert_eq!(unit_from_text(t).as_deref(), Some("东漳县第二中学"));
        assert_eq!(unit_type_of("东漳县第二中学", ""), Some("学校"));
        let t = "党建述职评价\n去年以来，我作为***镇基层党建工作第一责任人，现汇报如下：";
        assert_eq!(unit_from_text(t).as_deref(), Some("***镇"));
        assert_eq!(unit_type_of("***镇", ""), Some("镇党委"));
        assert_eq!(unit_type_of("云岭县恒达机械有限公司", ""), Some("非公企业"));
        assert_eq!(unit_type_of("临溪县城投集团", ""), Some("国有企业"));
        assert_eq!(unit_type_of("红旗村", ""), Some("村党支部"));
    }

    #[test]
    fn manifest_overrides_and_extra_columns() {
        let m = Manifest::parse(
            Path::new("manifest.csv"),
            "path,year,unit,unit_type,region\n2021/a.txt,2020,青石镇,镇党委,临溪县\n",
        )
        .unwrap();
        let mut w = Vec::new();
        let meta = derive("2021/a.txt", "标题\n", Some(&m), &mut w);
        assert_eq!(meta.year, Some(2020));
        assert_eq!(meta.groups["region"], "临溪县");
        assert!(w.is_empty());
    }

    #[test]
    fn a_file_listed_twice_names_both_lines() {
        let text = "path,year,unit\n2019/a.txt,2019,甲\n2019/b.txt,2019,乙\n2019\\a.txt,2020,丙\n";
        let err = Manifest::parse(Path::new("m.csv"), text)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "m.csv:4: '2019/a.txt' is listed twice, on lines 2 and 4: keep one row per file \
             (shuzhi will not guess which year and unit are right)"
        );
    }

    /// The first problem in file order is the one told: a path listed twice before a bad row, or a bad row
    /// before the second listing.
    #[test]
    fn the_first_problem_in_file_order_is_told() {
        for (text, told) in [
            (
                "path,year\na.txt,2019\nb.txt,2020\na.txt,2021\nc.txt,20X1\nb.txt,2020\n",
                "m.csv:4: 'a.txt' is listed twice, on lines 2 and 4",
            ),
            (
                "path,year\na.txt,2019\nc.txt,20X1\na.txt,2021\n",
                "m.csv:3: bad year",
            ),
            (
                "path,year\na.txt,2019\nc.txt,2019,x\na.txt,2021\n",
                "m.csv:3: ",
            ),
        ] {
            let err = Manifest::parse(Path::new("m.csv"), text)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(told), "{err}");
        }
    }

    /// Many rows with values shared and not: each file finds its own row, empty cells are empty.
    #[test]
    fn every_row_is_found_with_its_own_values() {
        let mut text = String::from("path,year,unit,unit_type,region,grade\n");
        for i in 0..5000 {
            let year = if i % 7 == 0 {
                String::new()
            } else {
                (2019 + i % 6).to_string()
            };
            let region = if i % 5 == 0 {
                ""
            } else {
                ["东区", "西区"][i % 2]
            };
            text.push_str(&format!(
                "{}\\r{i:05}.txt,{year},单位{i},{},{region},{}\n",
                i % 3,
                ["村", "镇"][i % 2],
                i % 4
            ));
        }
        let m = Manifest::parse(Path::new("m.csv"), &text).unwrap();
        assert_eq!(m.len(), 5000);
        for i in (0..5000).rev() {
            let r = m.row(&format!("{}/r{i:05}.txt", i % 3)).expect("a row");
            assert_eq!(r.year(), (i % 7 != 0).then_some(2019 + (i % 6) as i32));
            assert_eq!(r.unit(), Some(format!("单位{i}").as_str()));
            assert_eq!(r.unit_type(), Some(["村", "镇"][i % 2]));
            let extra: Vec<(&str, &str)> = r.extra().collect();
            let grade = (i % 4).to_string();
            let mut want = vec![("grade", grade.as_str())];
            if i % 5 != 0 {
                want.insert(0, ("region", ["东区", "西区"][i % 2]));
            }
            assert_eq!(extra, want);
        }
        assert!(m.row("0/r00001.txt").is_none());
    }

    #[test]
    fn bad_manifest_year_names_line() {
        let err = Manifest::parse(Path::new("m.csv"), "path,year\na.txt,20X1\n").unwrap_err();
        assert!(err.to_string().contains("m.csv:2"), "{err}");
    }
}
