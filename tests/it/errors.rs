//! Mistakes in content come back as errors naming the file and line, all at once, and a
//! failed build leaves the previous site untouched.

use std::fs;

use crate::support::TestSite;

/// Several broken files are reported together, each with file:line:col and a hint, and
/// the command exits with status 1.
#[test]
fn every_error_is_reported_with_file_and_line() {
    let site = TestSite::new("basic");
    site.write(
        "content/incidents/2024-05-bad.toml",
        "title = \"Bad\"\ndate = \"2024-02-30\"\nkind = \"mass-repatriation\"\nconfidence = \"disputed\"\nsummary = \"x\"\n[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"https://p.example\"\n",
    );
    site.write(
        "content/articles/typo.md",
        "+++\ntitle = \"Typo\"\ndate = 2024-01-02\nsumary = \"misspelled\"\n+++\nText\n",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(
        err.contains("--> content/incidents/2024-05-bad.toml:2:8"),
        "{err}"
    );
    assert!(err.contains("has no day 30"), "{err}");
    assert!(err.contains("--> content/articles/typo.md:4:1"), "{err}");
    assert!(err.contains("did you mean `summary`?"), "{err}");
    assert!(
        err.contains("error: 2 errors in 2 files; nothing was written"),
        "{err}"
    );
}

/// An article naming an incident that does not exist is an error with the nearest id.
#[test]
fn dangling_incident_ids_suggest_the_nearest() {
    let site = TestSite::new("basic");
    let path = site.root().join("content/articles/origins.md");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"1990s-famine\"", "\"1990s-famin\"");
    fs::write(&path, text).unwrap();
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(err.contains("there is no incident `1990s-famin`"), "{err}");
    assert!(err.contains("--> content/articles/origins.md:6:"), "{err}");
    assert!(err.contains("did you mean \"1990s-famine\"?"), "{err}");
}

/// A Markdown link to a page of the site that does not exist is caught.
#[test]
fn broken_internal_links_are_errors() {
    let site = TestSite::new("basic");
    site.write(
        "content/pages/about.md",
        "+++\ntitle = \"About\"\n+++\nSee [the chronolgy](/chronolgy/).\n",
    );
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(
        err.contains("the link to /chronolgy/ leads to no page"),
        "{err}"
    );
    assert!(err.contains("--> content/pages/about.md:4:5"), "{err}");
    assert!(err.contains("did you mean /chronology/"), "{err}");
}

/// A build that fails leaves the site from the last good build byte for byte as it was,
/// and no temporary folder behind.
#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let site = TestSite::new("basic");
    site.build(&[]);
    let before = site.snapshot();
    assert!(before.len() > 20);
    site.write("content/articles/broken.md", "+++\ntitle = \"Broken\"\n");
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        site.snapshot() == before,
        "the published site changed after a failed build"
    );
    let leftovers = site.hidden_entries();
    assert!(
        leftovers.is_empty(),
        "temporary folders left behind: {leftovers:?}"
    );
}

/// `check` validates everything and writes nothing.
#[test]
fn check_writes_nothing() {
    let site = TestSite::new("basic");
    let run = site.run(&["check"]);
    assert!(run.ok(), "{}", run.stderr());
    assert!(!site.root().join("public").exists());
}

/// Running outside a site folder is a usage error (exit 2), not a content error.
#[test]
fn missing_site_toml_is_a_usage_error() {
    let site = TestSite::new("basic");
    fs::remove_file(site.root().join("site.toml")).unwrap();
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr().contains("has no site.toml"),
        "{}",
        run.stderr()
    );
}

/// A name listed as forbidden in site.toml fails the build wherever it appears and in
/// whatever shape it reaches the page (typographic apostrophe, entity, line break), and
/// the error names the content file and line it came from.
#[test]
fn forbidden_strings_fail_the_build() {
    let site = TestSite::new("basic");
    let config = fs::read_to_string(site.root().join("site.toml")).unwrap();
    fs::write(
        site.root().join("site.toml"),
        format!("{config}\n[privacy]\nforbidden = [\"Pak O'Hara\"]\n"),
    )
    .unwrap();
    for text in [
        "A witness, Pak O'Hara, said so.",
        "A witness, Pak\nO'Hara, said so.",
        "A witness, PAK O’HARA, said so.",
    ] {
        let single_line = !text.contains('\n');
        site.write(
            "content/articles/witness.md",
            &format!("+++\ntitle = \"Witness\"\ndate = 2024-03-03\nsummary = \"s\"\n+++\nIntro.\n\n{text}\n"),
        );
        let run = site.run(&["build"]);
        assert_eq!(run.code(), Some(1), "{text:?} passed the gate");
        let err = run.stderr();
        assert!(err.contains("--> content/articles/witness.md"), "{err}");
        assert!(err.contains("name #1 of [privacy] forbidden"), "{err}");
        if single_line {
            assert!(err.contains("--> content/articles/witness.md:8:1"), "{err}");
        }
        assert!(!site.root().join("public").exists());
    }
    // In a title, the name reaches the page as an HTML entity.
    site.write(
        "content/articles/witness.md",
        "+++\ntitle = \"Pak O'Hara speaks\"\ndate = 2024-03-03\nsummary = \"s\"\n+++\nIntro.\n",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("--> content/articles/witness.md:2"),
        "{}",
        run.stderr()
    );
}

/// One case per class of mistake: the file to write, its text, what the message must
/// say, and the line it must point at.
struct Case {
    file: &'static str,
    text: &'static str,
    message: &'static str,
    line: Option<usize>,
}

const INCIDENT_HEAD: &str = "title = \"T\"\ndate = \"2024-04-26\"\nkind = \"arrest\"\nconfidence = \"single-source\"\nsummary = \"S\"\n";

fn incident(body: &str) -> String {
    format!(
        "{INCIDENT_HEAD}{body}\n[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"https://p.example/a\"\n"
    )
}

/// Every class of mistake comes back with its own message, the file, the line and a
/// hint, and fails the command with status 1.
#[test]
fn each_error_class_names_file_line_and_hint() {
    let incident_cases: Vec<(String, &str, Option<usize>)> = vec![
        (
            incident("people_min = 300\npeople_max = 200"),
            "`people_min` (300) is larger than `people_max` (200)",
            Some(6),
        ),
        (
            incident("people_min = -5\npeople_max = 20"),
            "`people_min` cannot be negative",
            Some(6),
        ),
        (
            incident("places = [ { name = \"X\", lat = 95.0, lon = 129.8 } ]"),
            "`lat` 95 is out of range",
            Some(6),
        ),
        (
            incident("end_date = \"2024-04-01\""),
            "`end_date` 2024-04-01 is before `date` 2024-04-26",
            Some(6),
        ),
        (
            INCIDENT_HEAD.replace("2024-04-26", "1985-04-26")
                + "[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"https://p.example/a\"\n",
            "outside the chronology",
            Some(2),
        ),
        (
            INCIDENT_HEAD.replace("2024-04-26", "2099-01-01")
                + "[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"https://p.example/a\"\n",
            "is in the future",
            Some(2),
        ),
        (
            INCIDENT_HEAD.replace("arrest", "deportation")
                + "[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"https://p.example/a\"\n",
            "`deportation` is not an allowed value here",
            Some(3),
        ),
        (
            INCIDENT_HEAD.replace("single-source", "certain")
                + "[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"https://p.example/a\"\n",
            "`certain` is not an allowed value here",
            Some(4),
        ),
        (
            INCIDENT_HEAD.to_owned()
                + "[[sources]]\npublisher = \"P\"\ntitle = \"T\"\nurl = \"javascript:alert(1)\"\n",
            "`url` must be a web address",
            Some(9),
        ),
        (
            INCIDENT_HEAD.to_owned() + "[[sources]]\npublisher = \"P\"\ntitle = \"T\"\n",
            "the required key `url` is missing",
            Some(6),
        ),
        (
            INCIDENT_HEAD.to_owned(),
            "this incident has no source",
            None,
        ),
        (
            incident("peple_min = 3"),
            "unknown key `peple_min`",
            Some(6),
        ),
        (
            incident("tags = \"jilin\""),
            "expected a list in square brackets",
            Some(6),
        ),
        (incident("title = \"again\""), "duplicate key", Some(6)),
    ];
    let mut cases: Vec<(String, String, &str, Option<usize>)> = incident_cases
        .into_iter()
        .map(|(text, message, line)| {
            (
                "content/incidents/2024-04-26-case.toml".to_owned(),
                text,
                message,
                line,
            )
        })
        .collect();
    let articles = [
        Case {
            file: "content/articles/a.md",
            text: "title = \"No fence\"\n",
            message: "this file has no front matter",
            line: Some(1),
        },
        Case {
            file: "content/articles/a.md",
            text: "+++\ntitle = \"Open\"\ndate = 2024-01-01\n",
            message: "the front matter is never closed",
            line: Some(1),
        },
        Case {
            file: "content/articles/a.md",
            text: "+++\ntitle = \"Bad date\"\ndate = \"2024-02-30\"\n+++\n",
            message: "has no day 30",
            line: Some(3),
        },
        Case {
            file: "content/articles/a.md",
            text: "+++\ndate = 2024-01-01\n+++\n",
            message: "the required key `title` is missing",
            line: Some(2),
        },
        Case {
            file: "content/articles/a.md",
            text: "+++\ntitle = \"X\"\ndate = 2024-01-01\nslug = \"Bad Slug\"\n+++\n",
            message: "the slug `Bad Slug`",
            line: Some(4),
        },
        Case {
            file: "content/articles/a.md",
            text: "+++\ntitle = \"X\"\ndate = 2024-01-01\nimage = \"../secret.jpg\"\nimage_alt = \"x\"\n+++\n",
            message: "leaves the site folder",
            line: Some(4),
        },
        Case {
            file: "content/articles/a.md",
            text: "+++\ntitle = \"X\"\ndate = 2024-01-01\nincidents = [\"2024-04-26-tumenn\"]\n+++\n",
            message: "there is no incident `2024-04-26-tumenn`",
            line: Some(4),
        },
        Case {
            file: "content/articles/a.md",
            text: "+++\ntitle = \"X\"\ndate = 2024-01-01\n+++\nSee [here](/incidents/nowhere/).\n",
            message: "the link to /incidents/nowhere/ leads to no page",
            line: Some(5),
        },
        Case {
            file: "content/articles/origins-copy.md",
            text: "+++\ntitle = \"X\"\ndate = 2024-01-01\nslug = \"origins\"\n+++\n",
            message: "the address /articles/origins/ is also used by",
            line: None,
        },
        Case {
            file: "content/pages/tags.md",
            text: "+++\ntitle = \"Tags\"\n+++\n",
            message: "the page slug `tags` is used by the site itself",
            line: None,
        },
        Case {
            file: "site.toml",
            text: "title = \"T\"\nbase_url = \"https://ngo.example/\"\ntheme = \"defualt\"\n",
            message: "there is no theme `defualt`",
            line: None,
        },
        Case {
            file: "site.toml",
            text: "title = \"T\"\nbase_url = \"ngo.example\"\n",
            message: "`base_url` must start with https:// or http://",
            line: Some(2),
        },
    ];
    for case in articles {
        cases.push((
            case.file.to_owned(),
            case.text.to_owned(),
            case.message,
            case.line,
        ));
    }
    for (file, text, message, line) in cases {
        let site = TestSite::new("basic");
        site.write(&file, &text);
        let run = site.run(&["check"]);
        let err = run.stderr();
        assert_eq!(
            run.code(),
            Some(1),
            "{file} with {text:?} should fail:\n{err}"
        );
        assert!(
            err.contains(message),
            "{file}: expected {message:?} in:\n{err}"
        );
        let location = match line {
            Some(line) => format!("--> {file}:{line}:"),
            None => format!("--> {file}"),
        };
        assert!(
            err.contains(&location),
            "{file}: expected {location:?} in:\n{err}"
        );
        assert!(err.contains("help:"), "{file}: no hint in:\n{err}");
    }
}

/// Three broken files give three errors, all reported in one run.
#[test]
fn three_errors_in_three_files_are_all_reported() {
    let site = TestSite::new("basic");
    site.write("content/articles/one.md", "+++\ntitle = \"One\"\n+++\n");
    site.write("content/pages/two.md", "no front matter\n");
    site.write("content/incidents/2024-01-three.toml", "title = \n");
    let run = site.run(&["build"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    for file in [
        "content/articles/one.md",
        "content/incidents/2024-01-three.toml",
        "content/pages/two.md",
    ] {
        assert!(
            err.contains(&format!("--> {file}")),
            "{file} missing from:\n{err}"
        );
    }
    assert!(
        err.contains("error: 3 errors in 3 files; nothing was written"),
        "{err}"
    );
}

/// A broken incident file is reported once, in that file; the articles naming it get no
/// second, misleading "there is no incident" error.
#[test]
fn a_broken_incident_does_not_cascade_into_its_articles() {
    let site = TestSite::new("basic");
    let path = site.root().join("content/incidents/2024-04-26-tumen.toml");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("mass-repatriation", "deportation");
    fs::write(&path, text).unwrap();
    let run = site.run(&["check"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(
        err.contains("--> content/incidents/2024-04-26-tumen.toml:3:8"),
        "{err}"
    );
    assert!(!err.contains("there is no incident"), "{err}");
    assert!(err.contains("error: 1 error in 1 file"), "{err}");
}
