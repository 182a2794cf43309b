//! Finding the approved answer (统一说辞) to a question as buyers write it: colloquial, without
//! spaces, with typos, in traditional or simplified characters.
//!
//! Chinese is matched on characters and character pairs rather than words: no dictionary to keep,
//! and a mistyped character (车为 for 车位) still leaves the other half of its pairs and its
//! neighbours matching. Each answer is indexed by its question and its keywords (synonyms
//! included); a term counts by how rare it is across the library (idf), pairs count twice a
//! single character, and a keyword found whole in the question adds its own weight again — the
//! keywords are what a supervisor wrote to be found by.

use std::collections::{HashMap, HashSet};

/// Characters that say nothing about the topic of a question on their own.
const FILLER: &str = "的了吗呢吧啊呀哦嘛我你他她它们是在有没么什怎请问为这那个就都也还要会能可以和与及到得着把被给让";

/// What the library knows of one answer for finding it.
#[derive(Debug, Clone, PartialEq)]
pub struct Searchable {
    pub id: i64,
    pub question: String,
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone)]
struct Indexed {
    id: i64,
    /// Term → weight in this answer (keywords weigh more than the question's wording).
    terms: HashMap<String, f64>,
    /// The keywords, normalised.
    keywords: Vec<String>,
}

/// The approved answers, indexed for [`Library::rank`].
#[derive(Debug, Clone, Default)]
pub struct Library {
    answers: Vec<Indexed>,
    idf: HashMap<String, f64>,
}

/// Traditional characters read as simplified, letters lower-cased, and everything that is
/// neither a letter, a digit nor a CJK character dropped.
pub fn normalize(text: &str) -> String {
    fast2s::convert(text)
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The terms of a normalised text: each CJK character but filler, each pair of neighbouring
/// CJK characters, and each run of letters or digits as one word.
fn terms(normalized: &str) -> Vec<String> {
    let chars: Vec<char> = normalized.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if !FILLER.contains(c) {
                out.push(c.to_string());
            }
            if let Some(&next) = chars.get(i + 1).filter(|n| is_cjk(**n)) {
                out.push(format!("{c}{next}"));
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A pair or a word says more than one character.
fn term_weight(term: &str) -> f64 {
    if term.chars().count() > 1 { 2.0 } else { 1.0 }
}

impl Library {
    pub fn new(answers: &[Searchable]) -> Library {
        let mut indexed = Vec::with_capacity(answers.len());
        let mut document_frequency: HashMap<String, usize> = HashMap::new();
        for answer in answers {
            let mut weights: HashMap<String, f64> = HashMap::new();
            for term in terms(&normalize(&answer.question)) {
                let w = weights.entry(term).or_default();
                *w = w.max(1.0);
            }
            let keywords: Vec<String> = answer
                .keywords
                .iter()
                .map(|k| normalize(k))
                .filter(|k| !k.is_empty())
                .collect();
            for keyword in &keywords {
                for term in terms(keyword) {
                    let w = weights.entry(term).or_default();
                    *w = w.max(1.5);
                }
            }
            for term in weights.keys() {
                *document_frequency.entry(term.clone()).or_default() += 1;
            }
            indexed.push(Indexed {
                id: answer.id,
                terms: weights,
                keywords,
            });
        }
        let n = answers.len().max(1) as f64;
        let idf = document_frequency
            .into_iter()
            .map(|(term, df)| (term, (1.0 + n / df as f64).ln()))
            .collect();
        Library {
            answers: indexed,
            idf,
        }
    }

    /// The answers that match `question`, best first, with their scores (above zero).
    pub fn rank(&self, question: &str) -> Vec<(i64, f64)> {
        let normalized = normalize(question);
        let asked: HashSet<String> = terms(&normalized).into_iter().collect();
        let mut ranked: Vec<(i64, f64)> = self
            .answers
            .iter()
            .map(|answer| {
                let mut score: f64 = asked
                    .iter()
                    .filter_map(|term| {
                        let weight = answer.terms.get(term)?;
                        Some(
                            weight * term_weight(term) * self.idf.get(term).copied().unwrap_or(0.0),
                        )
                    })
                    .sum();
                for keyword in &answer.keywords {
                    if normalized.contains(keyword.as_str()) {
                        score += terms(keyword)
                            .iter()
                            .map(|t| term_weight(t) * self.idf.get(t).copied().unwrap_or(0.0))
                            .sum::<f64>();
                    }
                }
                (answer.id, score)
            })
            .filter(|(_, score)| *score > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }

    /// The answer to offer for a message nobody asked the library about (a buyer's message to
    /// their ambassador): the best match, only when it is a sure one — one of its keywords is
    /// in the message whole, or the message carries at least half of what its question says.
    /// Everyday messages ("好的谢谢", "明天下午到") find nothing.
    pub fn sure_match(&self, message: &str) -> Option<i64> {
        let (best, score) = self.rank(message).into_iter().next()?;
        let answer = self.answers.iter().find(|a| a.id == best)?;
        let normalized = normalize(message);
        let keyword_found = answer
            .keywords
            .iter()
            .any(|k| normalized.contains(k.as_str()));
        let own: f64 = answer
            .terms
            .iter()
            .map(|(term, weight)| {
                weight * term_weight(term) * self.idf.get(term).copied().unwrap_or(0.0)
            })
            .sum();
        (keyword_found || (own > 0.0 && score >= own / 2.0)).then_some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The evaluation set: `A|id|question|keyword, keyword…` lines are the library, `Q|id|text`
    /// lines are buyers' questions and the answer each should find first.
    const SET: &str = include_str!("answer_matching_set.txt");

    fn evaluation() -> (Vec<Searchable>, Vec<(i64, &'static str)>) {
        let mut answers = Vec::new();
        let mut questions = Vec::new();
        for line in SET
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let parts: Vec<&str> = line.split('|').collect();
            match parts.as_slice() {
                ["A", id, question, keywords] => answers.push(Searchable {
                    id: id.parse().expect("an answer id"),
                    question: question.to_string(),
                    keywords: keywords
                        .split(['，', ','])
                        .map(|k| k.trim().to_string())
                        .collect(),
                }),
                ["Q", id, text] => questions.push((id.parse().expect("an answer id"), *text)),
                _ => panic!("unreadable line in the evaluation set: {line}"),
            }
        }
        (answers, questions)
    }

    #[test]
    fn traditional_characters_punctuation_and_case_do_not_matter() {
        assert_eq!(normalize("請問 車位，還有嗎？ABC"), "请问车位还有吗abc");
        assert_eq!(terms("车位"), vec!["车", "车位", "位"]);
        assert_eq!(terms("的车"), vec!["的车", "车"]);
    }

    #[test]
    fn the_right_answer_comes_first_for_at_least_85_percent_of_buyers_questions() {
        let (answers, questions) = evaluation();
        assert!(answers.len() >= 20, "{} answers", answers.len());
        assert!(questions.len() >= 40, "{} questions", questions.len());
        let library = Library::new(&answers);
        let mut misses = Vec::new();
        for (expected, question) in &questions {
            let first = library.rank(question).first().map(|(id, _)| *id);
            if first != Some(*expected) {
                misses.push(format!("{question} → {first:?}, wanted {expected}"));
            }
        }
        let right = questions.len() - misses.len();
        let share = right as f64 / questions.len() as f64;
        println!(
            "answer matching: {right} of {} questions found their answer first ({:.1} %)",
            questions.len(),
            share * 100.0
        );
        for miss in &misses {
            println!("  missed: {miss}");
        }
        assert!(share >= 0.85, "{misses:#?}");
    }

    #[test]
    fn only_sure_matches_are_offered_unasked() {
        let (answers, questions) = evaluation();
        let library = Library::new(&answers);
        let offered_right = questions
            .iter()
            .filter(|(expected, q)| library.sure_match(q) == Some(*expected))
            .count();
        let offered_wrong = questions
            .iter()
            .filter(|(expected, q)| library.sure_match(q).is_some_and(|id| id != *expected))
            .count();
        println!(
            "sure matches: {offered_right} right, {offered_wrong} wrong of {} questions",
            questions.len()
        );
        assert!(offered_right * 10 >= questions.len() * 7, "{offered_right}");
        assert!(offered_wrong * 20 <= questions.len(), "{offered_wrong}");
        for everyday in [
            "好的，谢谢",
            "明天下午三点我到",
            "收到",
            "我到门口了",
            "OK thanks",
            "麻烦你了",
        ] {
            assert_eq!(library.sure_match(everyday), None, "{everyday}");
        }
    }

    #[test]
    fn a_question_about_nothing_in_the_library_finds_nothing() {
        let (answers, _) = evaluation();
        let library = Library::new(&answers);
        assert!(library.rank("").is_empty());
        assert!(library.rank("？？！！").is_empty());
        assert!(library.rank("你好吗").is_empty());
    }
}
