use super::*;

fn roles_of(s: &Structure) -> Vec<(Role, String)> {
    s.statements()
        .map(|st| (st.role, st.text.chars().take(8).collect()))
        .collect()
}

fn count(s: &Structure, role: Role) -> usize {
    s.statements().filter(|st| st.role == role).count()
}

/// Shaped like the seed (written for this test): four enumerated problems, causes inline 一是…四是 after a
/// cue, 便民服务 only among achievements and next steps.
const SEED_SHAPED: &str = "\
某乡党委书记抓基层党建工作述职报告
今年以来，我坚持把抓基层党建作为第一责任，现将有关情况报告如下：
一、主要做法及成效
（一）夯实基础。全乡12个村均建成便民服务站，群众办事不出村。
（二）选优配强。换届中选出一批懂经营的年轻村干部。
二、存在的问题及原因
对照上级要求，查找差距，主要有以下几个方面：
（一）党员年龄偏大。全乡党员平均年龄57岁，青年党员大多外出。
（二）村班子带富能力弱。部分村干部文化程度不高，思路不宽。
（三）两新组织覆盖面窄。全乡仅3家企业建立党组织。
（四）发展党员数量偏少。近两年入党积极分子不足10人。究其原因，一是对党建投入精力不够，重经济轻党建。二是工作方法老套，缺少新招。三是部署多落实少，以会议落实会议。
四是考核问责偏软，失之于宽。
三、下一步工作打算
（一）严把入口关，每年发展青年党员不少于5名。
（二）提升便民服务水平，推动服务事项网上办理。
以上述职，请予评议。
";

#[test]
fn seed_shaped_report_gets_its_roles() {
    let s = build(SEED_SHAPED);
    assert_eq!(count(&s, Role::Problem), 4, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Cause), 4, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Measure), 2, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Highlight), 2, "{:#?}", roles_of(&s));
    let causes: Vec<_> = s.statements().filter(|x| x.role == Role::Cause).collect();
    assert!(causes[0].text.starts_with("一是"));
    assert!(causes[3].text.starts_with("四是"));
    // The fourth problem stops where the causes begin.
    let p4 = s
        .statements()
        .filter(|x| x.role == Role::Problem)
        .nth(3)
        .unwrap();
    assert!(p4.text.ends_with("不足10人。"), "{}", p4.text);
    // 便民服务 never sits in a problem statement.
    assert!(s
        .statements()
        .filter(|x| x.role.raises())
        .all(|x| !x.text.contains("便民服务")));
    // Closing line is not a measure.
    assert_eq!(s.sections.last().unwrap().role, Role::Other);
}

#[test]
fn spans_point_into_the_text() {
    let s = build(SEED_SHAPED);
    let chars: Vec<char> = SEED_SHAPED.chars().collect();
    let mut last = 0;
    for st in s.statements() {
        assert!(st.start >= last && st.end > st.start);
        let slice: String = chars[st.start..st.end].iter().collect();
        assert_eq!(slice, st.text);
        last = st.end;
    }
}

#[test]
fn bare_headings_and_arabic_items() {
    let t = "\
2022年度述职报告
工作成效
1.完善制度。建立党建例会制度。
2.强化培训。全年培训党员300人次。
存在的不足
1.党员教育管理偏松，三会一课记录不全。
2.集体经济薄弱，5个村年收入不足5万元。
3.阵地建设滞后。
下一步打算
1.规范组织生活。
2.发展壮大集体经济。
";
    let s = build(t);
    assert_eq!(count(&s, Role::Highlight), 2, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Problem), 3, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Measure), 2, "{:#?}", roles_of(&s));
}

#[test]
fn part_headings_with_heading_sentence_items_and_elaboration_paragraphs() {
    let t = "\
东溪社区党委书记述职报告
第一部分 履职情况
社区全年开展主题党日12次。
第二部分 存在的问题
（1）服务意识不强
少数网格员上门走访不够，群众诉求回应慢。
（2）经费保障不足
社区党建经费每年仅2万元，难以支撑活动。
第三部分 今后打算
①强化服务；②争取经费。
";
    let s = build(t);
    let probs: Vec<_> = s.statements().filter(|x| x.role == Role::Problem).collect();
    assert_eq!(probs.len(), 2, "{:#?}", roles_of(&s));
    assert!(
        probs[0].text.contains("回应慢"),
        "elaboration belongs to its item"
    );
    assert_eq!(count(&s, Role::Measure), 2, "{:#?}", roles_of(&s));
}

#[test]
fn inline_shi_problems_in_one_paragraph_and_ordinal_measures() {
    let t = "\
关于2020年度抓基层党建工作的述职
一、工作开展情况
全年发展党员6名。
二、短板弱项
一是党员结构老化，50岁以上占六成；二是部分支部组织生活不规范；三是村集体经济收入来源单一。
三、努力方向
首先，优化队伍结构。其次，严格组织生活。最后，培育集体经济项目。
";
    let s = build(t);
    assert_eq!(count(&s, Role::Problem), 3, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Measure), 3, "{:#?}", roles_of(&s));
}

#[test]
fn no_problem_section_yields_no_problem_statements() {
    let t = "\
2021年度述职报告
一、主要做法
（一）建强堡垒。全面推行主题党日。
二、明年思路
（一）继续推进阵地建设。
";
    let s = build(t);
    assert_eq!(count(&s, Role::Problem) + count(&s, Role::Cause), 0);
    assert_eq!(count(&s, Role::Measure), 1);
}

#[test]
fn unheaded_report_switches_on_cue_sentences() {
    let t = "\
述职报告
今年，我村党支部认真落实党建责任，完成换届工作，新建党员活动室一处。
但也清醒地看到，工作中还存在一些问题：党员老龄化严重，年轻人多数外出务工，村集体经济基础薄弱。
下一步，我将着力培养年轻党员，发展特色产业。
";
    let s = build(t);
    assert_eq!(count(&s, Role::Problem), 1, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Measure), 1, "{:#?}", roles_of(&s));
    assert!(count(&s, Role::Highlight) >= 1);
}

#[test]
fn cause_section_with_own_heading() {
    let t = "\
述职报告
一、工作成效
完成了任务。
二、存在问题
（一）发展党员质量不高。
（二）党建与业务融合不够。
三、产生问题的原因
（一）主体责任压得不实。
（二）督导检查不严。
四、下一步措施
（一）加强督导。
";
    let s = build(t);
    assert_eq!(count(&s, Role::Problem), 2, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Cause), 2, "{:#?}", roles_of(&s));
    assert_eq!(count(&s, Role::Measure), 1, "{:#?}", roles_of(&s));
}

#[test]
fn empty_and_odd_input_never_panics() {
    for t in [
        "",
        "\n\n",
        "一、",
        "（一）",
        "一是",
        "1.",
        "究其原因，",
        "标题\n一、问题\n一是",
    ] {
        let s = build(t);
        for st in s.statements() {
            assert!(st.start < st.end);
        }
    }
}
