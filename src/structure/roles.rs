//! Section roles and the cue words that reveal them, in headings and in running text.

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// What part of a report a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Achievements, practice, highlights (成效、做法、亮点).
    Highlight,
    /// Problems (存在的问题、不足、短板、差距).
    Problem,
    /// Causes (原因、根源).
    Cause,
    /// Next steps (下一步、打算、举措、整改).
    Measure,
    /// Title, opening, closing.
    Other,
}

impl Role {
    /// The lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Highlight => "highlight",
            Role::Problem => "problem",
            Role::Cause => "cause",
            Role::Measure => "measure",
            Role::Other => "other",
        }
    }

    /// Whether statements of this role are classified (problem, cause, measure).
    pub fn classified(self) -> bool {
        matches!(self, Role::Problem | Role::Cause | Role::Measure)
    }

    /// Whether themes found in this role count as raised (problem or cause).
    pub fn raises(self) -> bool {
        matches!(self, Role::Problem | Role::Cause)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn re(s: &str) -> Regex {
    Regex::new(s).expect("role regex")
}

const H_MEASURE: &str = r"下一步|打算|举措|措施|努力方向|今后|明年|来年|新的一年|新一年|思路|整改|计划|改进方向|工作安排|目标任务|工作重点|着力点|改进|展望|方向|建议|对策|意见|几点思考|路径|怎么干|怎么走|怎么做|怎样做|如何|接下来|下一程|下步|再出发";
/// A heading that states a shortcoming (「组织生活质效不够到位」「管理监督措施不够有力」「…有待加强」).
const H_SHORTCOMING: &str = concat!(
    r"不够|不足|不强|不高|不到位|不力|不严|不实|不深|不细|不紧|不精|不优|不规范|不健全|不完善|不平衡|不明显|不充分|不广|不畅|不多|不够有力",
    r"|欠缺|缺乏|缺少|缺位|薄弱|滞后|乏力|偏少|偏低|偏弱|偏大|偏高|偏软|偏松|老化|断层|有待|仍需|亟待|亟需|尚需|还需|仍有|差距",
    r"|淡化|弱化|虚化|边缘化|两张皮|走过场|形式主义|软弱涣散|短缺|难以|较弱|较低|较少|较差|失之于|流于|空转|脱节|松散|松懈|懈怠|单一|困难|难题"
);
/// A heading that sets out to do something (「加强薄弱环节」「针对不足的改进措施」): a plan, even with a
/// shortcoming word in it.
const H_ACTION: &str = r"(?:^(?:督促|推行|开展|制定|引导|鼓励|实行|探索|整合|统筹|提高|增强|确保|做好|抓紧|限期|压减|减少|杜绝|防止|避免|着力|加强|强化|提升|推进|推动|着眼|坚持|深化|针对|补齐|破解|解决|改进|完善|健全|夯实|抓好|抓实|突出|聚焦|扎实|持续|全面|切实|进一步|建立|实施|加大|优化|创新|激发|注重|狠抓|规范|严格|落实|压实|用好)|(?:解决|整改|化解|破解|处理|防范|杜绝|避免|补齐)[^，。]{0,12}(?:问题|短板|不足|弱项))";
static DOC_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:报告|材料|发言|提纲|总结|述职|汇报|讲话|调研|纪要|方案)(?:稿)?$|^关于.{2,40}的")
});
const H_CAUSE: &str = r"原因|根源|症结|根子";
const H_PROBLEM: &str = r"问题|不足|差距|短板|弱项|薄弱环节|查摆|缺点|缺陷|瓶颈|困难";
const H_HIGHLIGHT: &str = r"成效|做法|亮点|成绩|工作情况|主要工作|开展情况|特色|经验|基本情况|回顾|取得|落实情况|完成情况|工作开展|总体情况|现状";
/// Words of achievement headings that also name the subject of a problems part (「抓党建工作责任落实不到位」).
const H_HIGHLIGHT_WEAK: &str = r"履职|履行|职责|创新|抓党建|党建工作";
const H_COMBINED_CAUSE: &str =
    r"(问题|不足|差距|短板|弱项)(及|和|与|以及|、)(其)?(产生的)?(主要|深层次)?(原因|根源|成因)";
const H_COMBINED_MEASURE: &str =
    r"(问题|不足|差距|短板)[^，。]{0,3}(及|和|与|以及)[^，。]{0,4}(整改|措施|举措|对策)";

/// Whether a heading line is the document's own title (「关于……的报告」「……述职报告」), which names no
/// section even when it ends in 「整改措施」.
pub fn document_title(title: &str) -> bool {
    DOC_TITLE.is_match(title.trim())
}

/// The heading patterns.
#[derive(Debug, Clone, Copy)]
enum Heading {
    Shortcoming,
    Action,
    Cause,
    CombinedCause,
    Measure,
    Problem,
    CombinedMeasure,
    Highlight,
    HighlightWeak,
}

impl Heading {
    /// Every pattern, in discriminant order (the set's pattern numbers).
    const ALL: [Heading; 9] = [
        Heading::Shortcoming,
        Heading::Action,
        Heading::Cause,
        Heading::CombinedCause,
        Heading::Measure,
        Heading::Problem,
        Heading::CombinedMeasure,
        Heading::Highlight,
        Heading::HighlightWeak,
    ];

    fn pattern(self) -> &'static str {
        match self {
            Heading::Shortcoming => H_SHORTCOMING,
            Heading::Action => H_ACTION,
            Heading::Cause => H_CAUSE,
            Heading::CombinedCause => H_COMBINED_CAUSE,
            Heading::Measure => H_MEASURE,
            Heading::Problem => H_PROBLEM,
            Heading::CombinedMeasure => H_COMBINED_MEASURE,
            Heading::Highlight => H_HIGHLIGHT,
            Heading::HighlightWeak => H_HIGHLIGHT_WEAK,
        }
    }
}

/// Every heading pattern in one pass over a title (it was up to nine searches, for every candidate line).
static HEADINGS: LazyLock<RegexSet> =
    LazyLock::new(|| RegexSet::new(Heading::ALL.map(Heading::pattern)).expect("heading regexes"));

/// The role a section heading announces, if it announces one.
pub fn heading_role(title: &str) -> Option<Role> {
    let m = HEADINGS.matches(title);
    heading_role_by(title, |h| m.matched(h as usize))
}

/// The role of a heading that has the patterns `has` names, and (for 「下一步」 and 「情况」) the text `title`.
fn heading_role_by(title: &str, has: impl Fn(Heading) -> bool) -> Option<Role> {
    let shortcoming = has(Heading::Shortcoming) && !has(Heading::Action);
    if has(Heading::Cause) {
        return Some(if has(Heading::CombinedCause) {
            Role::Problem
        } else {
            Role::Cause
        });
    }
    if has(Heading::Measure) {
        if has(Heading::Problem) && has(Heading::CombinedMeasure) {
            return Some(Role::Problem);
        }
        // 「管理监督措施不够有力」 is a shortcoming about measures, not a plan.
        if shortcoming && !title.contains("下一步") {
            return Some(Role::Problem);
        }
        // 「问题整改情况」 reports last year's rectification: an achievement, not a plan.
        if title.contains("情况") && !title.contains("下一步") {
            return Some(Role::Highlight);
        }
        return Some(Role::Measure);
    }
    if shortcoming || (has(Heading::Problem) && !has(Heading::Action)) {
        return Some(Role::Problem);
    }
    if has(Heading::Action) {
        return None;
    }
    (has(Heading::Highlight) || has(Heading::HighlightWeak)).then_some(Role::Highlight)
}

static CAUSE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:(?:分析|究其|剖析|深究|反思|查找|梳理|追溯|深挖|探究|查摆|追根溯源)[^。；]{0,14}(?:原因|根源|症结|根子)",
        r"|(?:产生|造成|出现|存在|形成)(?:以上|上述|这些|这一?些?|这)?(?:问题|不足|差距|短板|现象|情况)[^。；]{0,8}(?:原因|根源)",
        r"|原因(?:分析|主要|在于|有以下|有如下|是多方面|有[两三四五几])",
        r"|(?:主要|深层次|根本|客观|主观|深层)原因(?:是|有|在于|主要)",
        r"|(?:问题|不足)(?:的)?(?:根源|症结)(?:在于|是|主要)",
        r"|(?:以上|上述|这些|前述)(?:问题|不足|差距|短板)[^。；]{0,10}(?:产生|出现|存在|形成)[^。；]{0,12}(?:原因|根源|因素)",
        r"|(?:从|就)(?:主观|思想|根子|深层次?)上?(?:看|讲|分析|剖析)",
        r"|(?:深入|认真|深刻)?(?:剖析|反思|查找|深挖)[^。；]{0,10}(?:根源|根子|症结|思想根源)",
        r"|之所以[^。；]{0,40}(?:主要|根本|关键|究其)?(?:是|在于|源于|由于))"
    ))
});
/// A cause cue that points back at problems (「产生这些问题的原因」「究其原因」), strong enough to open a causes
/// part outside a problems section.
static CAUSE_REFERS: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^[^。；]{0,20}(?:问题|不足|差距|短板|现象|究其|剖析|深挖|根源|症结|之所以|主观|思想)")
});
static PROBLEM_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^[^。：:]{0,30}?(?:还|仍|仍然|依然|也|尚|但|然而|不过|对照|查摆|反思|清醒|同时)[^。：:]{0,16}?(?:存在|有|面临)(?:着)?[^。：:]{0,12}?(?:问题|不足|差距|短板|弱项|薄弱环节|困难|瓶颈|短处|欠缺|缺点)",
        r"|^[^。：:]{0,20}?(?:主要|突出|存在的|面临的|查摆出的|检视出的|反映出的)(?:问题|不足|短板|差距|困难)(?:和(?:不足|差距|短板|困难))?(?:主要)?(?:是|有|表现在|体现在|集中在)",
        r"|^[^。：:]{0,20}?(?:问题|不足|短板|差距)(?:和(?:不足|差距|短板))?(?:主要)?(?:表现在|体现在|集中在)",
        r"|^[^。：:]{0,12}?(?:不足之处|薄弱之处|短板弱项)(?:在于|是|主要)",
    ))
});
static PROBLEM_CUE_VETO: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[^。：:]{0,30}?(?:解决|整改|破解|化解|处理|办结|协调)"));
static MEASURE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:下一步|今后|明年|来年|新的一年|新一年|在今后|(?:19|20)\d\d年[，,]?(?:我|本人|我们)[^。；]{0,6}?(?:将|要|计划|打算|准备|力争|拟)|针对[^。]{0,24}(?:问题|不足|短板)[^。]{0,10}(?:将|要|拟|打算|计划))",
    )
});
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"以上(?:述职|报告|是我|汇报|就是)|特此(?:报告|述职)|请予评议|批评指正|述职完毕|不妥之处|恳请|敬请|请审议|谢谢",
    )
});
static LEAD_IN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:如下|以下(?:几|方面|问题|不足|差距)|主要(?:表现|体现)(?:在|为)|具体(?:表现|如下|来说)|几个方面|几点|下列|主要有)[^。，]{0,6}$",
    )
});

/// A sentence that starts the causes part of a problems section (「究其原因」「产生问题的原因主要有」).
pub fn cause_cue(sentence: &str) -> Option<usize> {
    CAUSE_CUE.find(sentence).map(|m| m.end())
}

/// Whether a cause cue refers back to problems (see [`CAUSE_REFERS`]).
pub fn refers_to_problems(sentence: &str) -> bool {
    CAUSE_REFERS.is_match(sentence)
}

/// Words one of which every [`PROBLEM_CUE`] match contains (it ends in 问题, 薄弱环节, 不足之处, …).
const PROBLEM_WORDS: [&str; 11] = [
    "问题", "不足", "差距", "短板", "弱项", "薄弱", "困难", "瓶颈", "短处", "欠缺", "缺点",
];

/// Characters within which every [`PROBLEM_CUE`] match ends: its longest form is 30 + 2 + 16 + 2 + 1 + 12
/// + 4 = 67 characters.
const PROBLEM_CUE_SPAN: usize = 80;

/// A paragraph opening that turns running text to problems (「但也存在一些不足」).
pub fn problem_cue(paragraph: &str) -> bool {
    // Asked at every sentence start, and the anchored regex is slow to fail: first look for one of the
    // words every match contains, in the span a match can cover (no match crosses 。, ： or :).
    let span = paragraph
        .char_indices()
        .nth(PROBLEM_CUE_SPAN)
        .map_or(paragraph, |(i, _)| &paragraph[..i]);
    let head = span.find(['。', '：', ':']).map_or(span, |i| &span[..i]);
    PROBLEM_WORDS.iter().any(|w| head.contains(w))
        && PROBLEM_CUE.is_match(paragraph)
        && !PROBLEM_CUE_VETO.is_match(paragraph)
}

/// A paragraph opening that turns to next steps (「下一步，我将……」).
pub fn measure_cue(paragraph: &str) -> bool {
    MEASURE_CUE.is_match(paragraph)
}

/// A closing line (「以上述职，请予评议」).
pub fn closing(paragraph: &str) -> bool {
    paragraph.chars().count() <= 80 && CLOSING.is_match(paragraph)
}

/// Text that only introduces a list (「主要表现在以下几个方面：」) and carries nothing itself.
pub fn lead_in(text: &str) -> bool {
    let t = text.trim();
    let n = t.chars().count();
    n == 0
        || t.ends_with(['：', ':', '，', ','])
        || (n <= 60 && LEAD_IN.is_match(t.trim_end_matches(['。', '；'])))
        || t.chars().filter(|c| super::markers::is_han(*c)).count() < 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heading_set_answers_as_each_pattern_alone() {
        for (i, h) in Heading::ALL.into_iter().enumerate() {
            assert_eq!(h as usize, i, "{h:?}");
        }
        let alone: Vec<Regex> = Heading::ALL.map(|h| re(h.pattern())).into();
        let pieces: Vec<&str> = "存在 的 问题 不足 及 原因 根源 下一步 措施 整改 情况 加强 解决 短板 和 对策 成效 做法 履职 创新 党建工作 不够 到位 薄弱环节 组织 生活 ， 。 一、 （二） 工作"
            .split(' ')
            .collect();
        let mut roles = std::collections::BTreeSet::new();
        for title in crate::rng::random_texts(34, &pieces, 8, 20000) {
            let by_each = heading_role_by(&title, |h| alone[h as usize].is_match(&title));
            assert_eq!(heading_role(&title), by_each, "{title}");
            roles.insert(by_each);
        }
        assert_eq!(roles.len(), 5, "{roles:?}");
    }

    #[test]
    fn the_problem_cue_filter_keeps_every_match() {
        let pieces: Vec<&str> = "但 还 仍然 也 对照 存在 有 面临 着 一些 问题 不足 差距 薄弱环节 不足之处 短板弱项 困难 缺点 主要 表现在 是 和 工作中 ， 。 ： : 解决 党员 村 的 全镇"
            .split(' ')
            .collect();
        let mut matched = 0;
        for text in crate::rng::random_texts(33, &pieces, 30, 20000) {
            let bare = PROBLEM_CUE.is_match(&text) && !PROBLEM_CUE_VETO.is_match(&text);
            assert_eq!(problem_cue(&text), bare, "{text}");
            matched += usize::from(bare);
        }
        assert!(matched > 1000, "{matched}");
    }

    #[test]
    fn heading_roles() {
        assert_eq!(heading_role("存在的主要问题及原因"), Some(Role::Problem));
        assert_eq!(heading_role("产生问题的原因"), Some(Role::Cause));
        assert_eq!(heading_role("原因分析"), Some(Role::Cause));
        assert_eq!(heading_role("下一步工作思路和举措"), Some(Role::Measure));
        assert_eq!(heading_role("整改措施"), Some(Role::Measure));
        assert_eq!(heading_role("努力方向"), Some(Role::Measure));
        assert_eq!(heading_role("履职工作特色和亮点"), Some(Role::Highlight));
        assert_eq!(heading_role("短板弱项"), Some(Role::Problem));
        assert_eq!(heading_role("反思查摆的问题"), Some(Role::Problem));
        assert_eq!(heading_role("差距和不足"), Some(Role::Problem));
        assert_eq!(heading_role("存在问题及整改措施"), Some(Role::Problem));
        assert_eq!(heading_role("上年度问题整改情况"), Some(Role::Highlight));
        assert_eq!(heading_role("聚焦主责主业"), None);
        assert_eq!(heading_role("管理监督措施不够有力"), Some(Role::Problem));
        assert_eq!(heading_role("组织生活质效不够到位"), Some(Role::Problem));
        assert_eq!(heading_role("缺乏后备干部的培养"), Some(Role::Problem));
        assert_eq!(
            heading_role("抓党建工作责任落实不到位"),
            Some(Role::Problem)
        );
        assert_eq!(heading_role("存在什么问题"), Some(Role::Problem));
        assert_eq!(heading_role("对策建议"), Some(Role::Measure));
        assert_eq!(heading_role("几点建议"), Some(Role::Measure));
        assert_eq!(heading_role("针对不足的改进措施"), Some(Role::Measure));
        assert_eq!(heading_role("加强薄弱环节建设"), None);
        assert!(document_title(
            "关于开展专题组织生活会查摆问题及落实整改措施的报告"
        ));
        assert!(!document_title("整改措施"));
    }

    #[test]
    fn cues() {
        assert!(cause_cue("分析问题产生的原因，一是精力投入不足").is_some());
        assert!(cause_cue("究其原因，主要有以下几点").is_some());
        assert!(cause_cue("产生这些问题的原因是多方面的").is_some());
        assert!(cause_cue("由于历史原因，村里负债").is_none());
        assert!(cause_cue("以上问题的产生，既有客观因素，更有主观原因").is_some());
        assert!(problem_cue(
            "在取得成绩的同时，也存在一些问题和不足，主要表现在："
        ));
        assert!(problem_cue("存在的问题主要有：一是"));
        assert!(problem_cue("但也要清醒地看到，工作中还存在一些不足："));
        assert!(!problem_cue("及时解决群众反映的问题120件。"));
        assert!(measure_cue("下一步，我将着力做好以下工作"));
        assert!(!measure_cue("我镇明确下一步"));
        assert!(closing("以上述职，请予评议。"));
        assert!(lead_in("主要表现在以下几个方面："));
        assert!(lead_in("分析原因，"));
        assert!(!lead_in("全镇党员平均年龄58岁，35岁以下仅占8%。"));
    }
}
