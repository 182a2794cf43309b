//! Expert consultation (专家会诊) and the emergency decision group (应急决策小组): the fields
//! experts answer for, and the kinds of incident the decision group is told of.

/// A field of expertise a staff member answers questions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExpertField {
    Sales,
    Engineering,
    Design,
    Legal,
}

impl ExpertField {
    pub const ALL: [ExpertField; 4] = [
        ExpertField::Sales,
        ExpertField::Engineering,
        ExpertField::Design,
        ExpertField::Legal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpertField::Sales => "sales",
            ExpertField::Engineering => "engineering",
            ExpertField::Design => "design",
            ExpertField::Legal => "legal",
        }
    }

    pub fn code(self) -> char {
        match self {
            ExpertField::Sales => 's',
            ExpertField::Engineering => 'e',
            ExpertField::Design => 'd',
            ExpertField::Legal => 'l',
        }
    }

    pub fn from_code(code: char) -> Option<ExpertField> {
        ExpertField::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The field as people write it, in either language.
    pub fn from_words(word: &str) -> Option<ExpertField> {
        match word.trim().to_lowercase().as_str() {
            "sales" | "销售" | "营销" => Some(ExpertField::Sales),
            "engineering" | "engineer" | "工程" | "工程技术" => {
                Some(ExpertField::Engineering)
            }
            "design" | "设计" => Some(ExpertField::Design),
            "legal" | "law" | "法务" | "法律" => Some(ExpertField::Legal),
            _ => None,
        }
    }

    /// A staff file's 专家领域 cell: fields separated by commas, 、, semicolons, slashes or spaces;
    /// empty for none. `Err` carries the word that names no field.
    pub fn list_from_words(cell: &str) -> Result<Vec<ExpertField>, String> {
        let mut fields = Vec::new();
        for word in cell
            .split([',', '，', '、', ';', '；', '/', ' '])
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            let field = ExpertField::from_words(word).ok_or_else(|| word.to_string())?;
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        fields.sort();
        Ok(fields)
    }

    /// The stored form of a list (`sales,legal`), and back.
    pub fn list_text(fields: &[ExpertField]) -> String {
        fields
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn list_from_text(text: &str) -> Vec<ExpertField> {
        text.split(',')
            .filter_map(|w| {
                ExpertField::ALL
                    .into_iter()
                    .find(|f| f.as_str() == w.trim())
            })
            .collect()
    }
}

/// What the decision group is told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// Households of one building complaining about one topic (群诉).
    GroupComplaint,
    /// A major complaint, or one from a household flagged for media or government attention.
    Complaint,
    /// A defect long past its due date.
    Overdue,
    /// A day when many booked visits were missed without notice.
    NoShows,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 4] = [
        IncidentKind::GroupComplaint,
        IncidentKind::Complaint,
        IncidentKind::Overdue,
        IncidentKind::NoShows,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::GroupComplaint => "group_complaint",
            IncidentKind::Complaint => "complaint",
            IncidentKind::Overdue => "overdue",
            IncidentKind::NoShows => "no_shows",
        }
    }

    pub fn parse(text: &str) -> Option<IncidentKind> {
        IncidentKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Fewest visits in a day for its no-show rate to mean anything.
pub const MIN_VISITS_FOR_NO_SHOW_RATE: u32 = 5;

/// Whether `no_shows` of `visits` make the day an incident at `percent`.
pub fn no_show_spike(visits: u32, no_shows: u32, percent: u32) -> bool {
    visits >= MIN_VISITS_FOR_NO_SHOW_RATE && no_shows * 100 >= visits * percent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_in_both_languages_and_round_trip() {
        assert_eq!(
            ExpertField::list_from_words("法务、销售, legal"),
            Ok(vec![ExpertField::Sales, ExpertField::Legal])
        );
        assert_eq!(ExpertField::list_from_words(""), Ok(vec![]));
        assert_eq!(
            ExpertField::list_from_words("法务、厨师"),
            Err("厨师".to_string())
        );
        let fields = vec![ExpertField::Engineering, ExpertField::Design];
        assert_eq!(
            ExpertField::list_from_text(&ExpertField::list_text(&fields)),
            fields
        );
        for field in ExpertField::ALL {
            assert_eq!(ExpertField::from_code(field.code()), Some(field));
        }
    }

    #[test]
    fn a_no_show_spike_needs_enough_visits() {
        assert!(!no_show_spike(4, 4, 30));
        assert!(no_show_spike(10, 3, 30));
        assert!(!no_show_spike(10, 2, 30));
    }
}
