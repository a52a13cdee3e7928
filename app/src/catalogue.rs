//! The project-management templates the site ships.

/// One template in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// Stable identifier, used in links.
    pub slug: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    /// One line on what the template is for.
    pub summary: &'static str,
}

/// Every template, in the order the catalogue lists them.
pub const TEMPLATES: &[Template] = &[
    Template {
        slug: "project-charter",
        name: "Project Charter",
        category: "Initiation",
        summary: "Authorises the project and names its goals, sponsor, scope and constraints.",
    },
    Template {
        slug: "business-case",
        name: "Business Case",
        category: "Initiation",
        summary: "Weighs costs, benefits and options so sponsors can decide whether to invest.",
    },
    Template {
        slug: "stakeholder-register",
        name: "Stakeholder Register",
        category: "Initiation",
        summary: "Lists everyone with a stake, their interest, influence and how to engage them.",
    },
    Template {
        slug: "work-breakdown-structure",
        name: "Work Breakdown Structure",
        category: "Planning",
        summary: "Splits the deliverables into work packages small enough to estimate and assign.",
    },
    Template {
        slug: "gantt-schedule",
        name: "Gantt Schedule",
        category: "Planning",
        summary: "Lays tasks, durations and dependencies on a timeline with milestones.",
    },
    Template {
        slug: "raci-matrix",
        name: "RACI Matrix",
        category: "Planning",
        summary: "Shows who is responsible, accountable, consulted and informed for each task.",
    },
    Template {
        slug: "communication-plan",
        name: "Communication Plan",
        category: "Planning",
        summary: "Sets who hears what, how often and through which channel.",
    },
    Template {
        slug: "budget-tracker",
        name: "Budget Tracker",
        category: "Planning",
        summary: "Compares planned and actual costs by work package, with the variance.",
    },
    Template {
        slug: "risk-register",
        name: "Risk Register",
        category: "Risk",
        summary: "Records each risk with its likelihood, impact, owner and response.",
    },
    Template {
        slug: "issue-log",
        name: "Issue Log",
        category: "Execution",
        summary: "Tracks open problems, who owns them and when they must be resolved.",
    },
    Template {
        slug: "change-request",
        name: "Change Request",
        category: "Execution",
        summary: "Describes a proposed change and its effect on scope, time and cost for approval.",
    },
    Template {
        slug: "sprint-backlog",
        name: "Sprint Backlog",
        category: "Agile",
        summary: "Holds the stories the team committed to this sprint, with estimates and status.",
    },
    Template {
        slug: "kanban-board",
        name: "Kanban Board",
        category: "Agile",
        summary: "Moves work from to-do to done with limits on work in progress.",
    },
    Template {
        slug: "status-report",
        name: "Status Report",
        category: "Monitoring",
        summary: "Summarises progress, schedule and budget health, risks and next steps.",
    },
    Template {
        slug: "lessons-learned",
        name: "Lessons Learned",
        category: "Closing",
        summary: "Captures what went well and what to change, for the next project.",
    },
];

/// The categories, in the order of a project's life.
pub const CATEGORIES: &[&str] = &[
    "Initiation",
    "Planning",
    "Risk",
    "Execution",
    "Agile",
    "Monitoring",
    "Closing",
];

/// Finds the template with this slug.
pub fn find(slug: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|template| template.slug == slug)
}

/// Returns the templates whose name or summary contains every word of `query`
/// (ignoring case), within `category` when one is given. An empty query
/// matches everything.
pub fn search(query: &str, category: Option<&str>) -> Vec<&'static Template> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    TEMPLATES
        .iter()
        .filter(|template| {
            category.is_none_or(|wanted| template.category.eq_ignore_ascii_case(wanted))
        })
        .filter(|template| {
            let text = format!(
                "{} {} {}",
                template.name, template.summary, template.category
            )
            .to_lowercase();
            words.iter().all(|word| text.contains(word.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_twelve_or_more() {
        assert!(TEMPLATES.len() >= 12, "only {} templates", TEMPLATES.len());
    }

    #[test]
    fn catalogue_slugs_are_unique() {
        let mut slugs: Vec<_> = TEMPLATES.iter().map(|template| template.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();

        assert_eq!(slugs.len(), TEMPLATES.len());
    }

    #[test]
    fn search_matches_every_word_in_any_case() {
        let found: Vec<_> = search("RISK register", None)
            .iter()
            .map(|t| t.slug)
            .collect();
        assert_eq!(found, ["risk-register"]);
        assert_eq!(search("", None).len(), TEMPLATES.len());
        assert!(search("no such words here", None).is_empty());
    }

    #[test]
    fn category_filter_keeps_only_that_category() {
        let planning = search("", Some("planning"));
        assert_eq!(planning.len(), 5);
        assert!(planning.iter().all(|t| t.category == "Planning"));
        assert!(search("", Some("Nonexistent")).is_empty());
    }

    #[test]
    fn every_template_has_a_listed_category() {
        assert!(TEMPLATES.iter().all(|t| CATEGORIES.contains(&t.category)));
    }
}
