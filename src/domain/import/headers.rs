//! Which header spellings mean which column, and how a header row is mapped to columns.

use super::{Cell, ImportError, ImportKind};

/// Every column either import kind knows. The discriminant indexes [`HeaderMap`] slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Project,
    Building,
    Entrance,
    Room,
    Name,
    Phone,
    Tier,
    RiskFlags,
    MailingAddress,
    Language,
    Roles,
    Seniority,
    Capacity,
    Buildings,
    Date,
    Start,
    End,
    SlotKind,
    /// A project's display name (buyer lists).
    ProjectName,
    /// Whether a staff member is still with the campaign.
    Status,
    /// 户型 (buyer lists and risk registers).
    UnitType,
    /// The risk register's columns.
    Category,
    Scope,
    Difference,
    Response,
    Owner,
    Severity,
    /// The answers file's columns.
    Question,
    Keywords,
    AnswerZh,
    AnswerEn,
    BuyersMaySee,
    /// A staff member's fields of expertise (专家领域).
    ExpertFields,
    /// Whether a home's layout is its type's plan flipped left-right (镜像, 反户型).
    Mirrored,
}

impl Col {
    pub(super) const COUNT: usize = 34;
}

pub(super) struct ColumnSpec {
    pub(super) col: Col,
    pub(super) canonical: &'static str,
    /// Accepted spellings, compared after [`normalize`]; the canonical name is always accepted too.
    pub(super) aliases: &'static [&'static str],
    pub(super) required: bool,
}

const fn spec(
    col: Col,
    canonical: &'static str,
    aliases: &'static [&'static str],
    required: bool,
) -> ColumnSpec {
    ColumnSpec {
        col,
        canonical,
        aliases,
        required,
    }
}

const PROJECT: &[&str] = &["project name", "项目", "项目名称", "楼盘", "楼盘名称"];
/// On a buyer list the project's code and its display name may be separate columns; a list with
/// only a name column uses the name as the code too.
const BUYER_PROJECT: &[&str] = &["project code", "项目", "项目编码", "楼盘"];
const PROJECT_NAME: &[&str] = &["project name", "项目名称", "楼盘名称"];
const PHONE_COMMON: &[&str] = &[
    "phone number",
    "mobile",
    "mobile phone",
    "tel",
    "telephone",
    "手机号",
    "手机",
    "电话",
    "联系电话",
    "手机号码",
    "电话号码",
];
const LANGUAGE: &[&str] = &["lang", "语言", "首选语言"];
const UNIT_TYPE: &[&str] = &["unit type", "户型", "户型编号", "房型"];

pub(super) const BUYER_COLUMNS: &[ColumnSpec] = &[
    spec(Col::Project, "project", BUYER_PROJECT, false),
    spec(
        Col::Building,
        "building",
        &[
            "building no",
            "bldg",
            "楼栋",
            "楼号",
            "栋",
            "栋号",
            "楼栋号",
        ],
        true,
    ),
    spec(
        Col::Entrance,
        "entrance",
        &["entrance no", "单元", "单元号"],
        false,
    ),
    spec(
        Col::Room,
        "room",
        &["room no", "room number", "房号", "房间号", "室号", "房间"],
        true,
    ),
    spec(
        Col::Name,
        "name",
        &[
            "full name",
            "buyer name",
            "owner name",
            "姓名",
            "业主姓名",
            "客户姓名",
            "业主",
            "客户名称",
        ],
        true,
    ),
    spec(
        Col::Phone,
        "phone",
        &[
            "phone number",
            "mobile",
            "mobile phone",
            "tel",
            "telephone",
            "手机号",
            "手机",
            "电话",
            "联系电话",
            "手机号码",
            "电话号码",
            "业主电话",
            "业主手机",
            "客户电话",
        ],
        true,
    ),
    spec(
        Col::Tier,
        "tier",
        &["客户等级", "等级", "客户分级", "分级", "客户级别"],
        false,
    ),
    spec(
        Col::RiskFlags,
        "risk_flags",
        &["risk flags", "risk", "风险标签", "风险", "风险类型"],
        false,
    ),
    spec(
        Col::MailingAddress,
        "mailing_address",
        &[
            "address",
            "邮寄地址",
            "通讯地址",
            "地址",
            "联系地址",
            "收件地址",
        ],
        false,
    ),
    spec(Col::Language, "language", LANGUAGE, false),
    spec(Col::ProjectName, "project_name", PROJECT_NAME, false),
    spec(Col::UnitType, "unit_type", UNIT_TYPE, false),
    spec(
        Col::Mirrored,
        "mirrored",
        &["镜像", "镜像户型", "反户型", "正反", "正反户型"],
        false,
    ),
];

pub(super) const STAFF_COLUMNS: &[ColumnSpec] = &[
    spec(Col::Project, "project", PROJECT, false),
    spec(
        Col::Name,
        "name",
        &["full name", "姓名", "员工姓名", "名字"],
        true,
    ),
    spec(Col::Phone, "phone", PHONE_COMMON, false),
    spec(
        Col::Roles,
        "roles",
        &["role", "position", "角色", "岗位"],
        true,
    ),
    spec(
        Col::Seniority,
        "seniority",
        &["senior", "资历", "级别", "是否资深"],
        false,
    ),
    spec(
        Col::Capacity,
        "capacity",
        &["max buyers", "容量", "最大客户数", "负责户数"],
        false,
    ),
    spec(Col::Buildings, "buildings", &["负责楼栋", "楼栋"], false),
    spec(Col::Language, "language", LANGUAGE, false),
    spec(
        Col::Status,
        "status",
        &["state", "状态", "在职状态", "员工状态"],
        false,
    ),
    spec(
        Col::ExpertFields,
        "expert_fields",
        &["expertise", "专家领域", "专家", "专业领域"],
        false,
    ),
];

pub(super) const SLOT_COLUMNS: &[ColumnSpec] = &[
    spec(Col::Project, "project", PROJECT, false),
    spec(Col::Date, "date", &["day", "日期", "预约日期"], true),
    spec(
        Col::Start,
        "start",
        &["start time", "from", "开始", "开始时间", "起始时间"],
        true,
    ),
    spec(
        Col::End,
        "end",
        &["end time", "to", "结束", "结束时间"],
        true,
    ),
    spec(
        Col::Capacity,
        "capacity",
        &["seats", "人数", "名额", "可约户数", "容量"],
        true,
    ),
    spec(
        Col::SlotKind,
        "kind",
        &["type", "类型", "时段类型", "用途"],
        false,
    ),
];

pub(super) const RISK_COLUMNS: &[ColumnSpec] = &[
    spec(Col::Project, "project", PROJECT, false),
    spec(
        Col::Category,
        "category",
        &["risk category", "风险类别", "类别", "风险分类"],
        true,
    ),
    spec(
        Col::Scope,
        "scope",
        &["范围", "影响范围", "适用范围"],
        false,
    ),
    spec(
        Col::Building,
        "building",
        &["bldg", "楼栋", "楼号", "栋"],
        false,
    ),
    spec(Col::UnitType, "unit_type", UNIT_TYPE, false),
    spec(Col::Room, "room", &["unit", "房号", "房间号"], false),
    spec(
        Col::Difference,
        "difference",
        &["description", "差异描述", "差异", "风险描述", "问题描述"],
        true,
    ),
    spec(
        Col::Response,
        "response",
        &[
            "planned response",
            "应对措施",
            "应对方案",
            "应对口径",
            "措施",
        ],
        false,
    ),
    spec(Col::Owner, "owner", &["责任人", "负责人"], false),
    spec(
        Col::Severity,
        "severity",
        &["严重程度", "风险等级", "等级"],
        false,
    ),
];

pub(super) const ANSWER_COLUMNS: &[ColumnSpec] = &[
    spec(
        Col::Question,
        "question",
        &["问题", "常见问题", "业主问题", "客户问题"],
        true,
    ),
    spec(
        Col::Keywords,
        "keywords",
        &["关键词", "关键字", "同义词"],
        false,
    ),
    spec(
        Col::AnswerZh,
        "answer",
        &[
            "标准答复",
            "答复",
            "标准答案",
            "中文答复",
            "统一说辞",
            "answer_zh",
        ],
        true,
    ),
    spec(
        Col::AnswerEn,
        "answer_en",
        &["英文答复", "english answer", "英文"],
        false,
    ),
    spec(Col::Scope, "scope", &["适用范围", "范围"], false),
    spec(
        Col::BuyersMaySee,
        "buyers_may_see",
        &["买家可见", "业主可见", "buyers"],
        false,
    ),
];

pub(super) fn columns(kind: ImportKind) -> &'static [ColumnSpec] {
    match kind {
        ImportKind::Buyers => BUYER_COLUMNS,
        ImportKind::Staff => STAFF_COLUMNS,
        ImportKind::Slots => SLOT_COLUMNS,
        ImportKind::Risks => RISK_COLUMNS,
        ImportKind::Answers => ANSWER_COLUMNS,
    }
}

/// How a file's kind is told when the caller does not say: the first entry whose columns are all
/// there. Several kinds share headers (范围 is the scope of a risk and of an answer, a register
/// may carry a room column or a 统一说辞 column of its own), so an answers file is known by its
/// question and its answer together, before a risk register by its description; an answers file
/// missing one of the two comes last, to be reported as such rather than as no list at all.
const DETECTION: &[(ImportKind, &[Col])] = &[
    (ImportKind::Answers, &[Col::Question, Col::AnswerZh]),
    (ImportKind::Risks, &[Col::Difference]),
    (ImportKind::Buyers, &[Col::Room]),
    (ImportKind::Staff, &[Col::Roles]),
    (ImportKind::Slots, &[Col::Start]),
    (ImportKind::Answers, &[Col::AnswerZh]),
    (ImportKind::Answers, &[Col::Question]),
];

/// See [`super::header_aliases`].
pub fn header_aliases(kind: ImportKind) -> Vec<(&'static str, Vec<&'static str>, bool)> {
    columns(kind)
        .iter()
        .map(|c| {
            let mut spellings = vec![c.canonical];
            spellings.extend_from_slice(c.aliases);
            (c.canonical, spellings, c.required)
        })
        .collect()
}

/// Markers a template puts after a header to say whether it is required, compared after the
/// full-width → ASCII folding and lower-casing.
const MARKERS: &[&str] = &[
    "*",
    "(必填)",
    "(必填项)",
    "(选填)",
    "(可选)",
    "(非必填)",
    "(required)",
    "(optional)",
];

/// Folds a header for comparison: trims, maps full-width ASCII (`（）＊Ａ`) to ASCII, lower-cases,
/// drops required/optional markers before or after the name, and treats runs of spaces,
/// `-` and `_` as one `_`.
pub(super) fn normalize(header: &str) -> String {
    let folded: String = header
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect::<String>()
        .to_lowercase();
    let mut s = folded.as_str().trim();
    loop {
        let before = s.len();
        for marker in MARKERS {
            if let Some(rest) = s.strip_suffix(marker) {
                s = rest.trim();
            }
            if let Some(rest) = s.strip_prefix(marker) {
                s = rest.trim();
            }
        }
        if s.len() == before {
            break;
        }
    }
    s.split([' ', '-', '_'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

fn find_spec(kind: ImportKind, normalized: &str) -> Option<&'static ColumnSpec> {
    if normalized.is_empty() {
        return None;
    }
    columns(kind).iter().find(|c| {
        normalize(c.canonical) == normalized || c.aliases.iter().any(|a| normalize(a) == normalized)
    })
}

fn header_texts(cells: &[Cell]) -> impl Iterator<Item = (usize, &str)> {
    cells.iter().enumerate().filter_map(|(i, c)| match c {
        Cell::Text(t) => Some((i, t.as_str())),
        _ => None,
    })
}

/// How many cells of a row are recognised headers of `kind` (or of either kind).
pub(super) fn recognised(kind: Option<ImportKind>, cells: &[Cell]) -> usize {
    let count = |k: ImportKind| {
        header_texts(cells)
            .filter(|(_, t)| find_spec(k, &normalize(t)).is_some())
            .count()
    };
    match kind {
        Some(k) => count(k),
        None => ImportKind::ALL.into_iter().map(count).max().unwrap_or(0),
    }
}

/// Where each known column sits in the file, and its header as written.
#[derive(Debug, Clone)]
pub(super) struct HeaderMap {
    pub(super) kind: ImportKind,
    slots: Vec<Option<(usize, String)>>,
}

impl HeaderMap {
    /// The file column index and header text of `col`, if the file has that column.
    pub(super) fn slot(&self, col: Col) -> Option<(usize, &str)> {
        self.slots[col as usize]
            .as_ref()
            .map(|(i, h)| (*i, h.as_str()))
    }

    /// File column indexes of every recognised column.
    pub(super) fn indexes(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots.iter().flatten().map(|(i, _)| *i)
    }

    /// Maps a header row, detecting the kind when `kind` is `None`.
    pub(super) fn build(
        kind: Option<ImportKind>,
        cells: &[Cell],
    ) -> Result<HeaderMap, ImportError> {
        let has = |k: ImportKind, col: Col| {
            header_texts(cells)
                .any(|(_, t)| find_spec(k, &normalize(t)).is_some_and(|s| s.col == col))
        };
        let kind = match kind {
            Some(k) => k,
            None => DETECTION
                .iter()
                .find(|(k, cols)| cols.iter().all(|&col| has(*k, col)))
                .map(|(k, _)| *k)
                .ok_or(ImportError::UnknownKind)?,
        };
        let mut slots: Vec<Option<(usize, String)>> = vec![None; Col::COUNT];
        for (index, text) in header_texts(cells) {
            if let Some(spec) = find_spec(kind, &normalize(text)) {
                let slot = &mut slots[spec.col as usize];
                if slot.is_some() {
                    return Err(ImportError::DuplicateColumn {
                        column: text.to_string(),
                    });
                }
                *slot = Some((index, text.to_string()));
            }
        }
        let missing: Vec<&'static str> = columns(kind)
            .iter()
            .filter(|c| c.required && slots[c.col as usize].is_none())
            .map(|c| c.canonical)
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::MissingColumns {
                kind,
                columns: missing,
            });
        }
        Ok(HeaderMap { kind, slots })
    }
}
