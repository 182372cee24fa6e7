//! Over-masking in logs and mail (issue item 10): log levels, acronyms and
//! dotted service names taken for organisations, salutations and
//! honorifics for names, `user=` taken into an e-mail address, order
//! numbers after `no.` for government IDs, a sentence's full stop taken into
//! a date. Each test runs the engine with the shipped model, as the CLI
//! does, and checks both sides: the look-alike is left alone and the PII
//! next to it is still masked.

use anonymist::{Engine, Span};
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let ner = anonymist::ner::NerDetector::load(&anonymist::ner::NerOptions {
            model_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/models").into(),
            ..Default::default()
        })
        .expect("the shipped model loads");
        Engine::builder()
            .detector(Box::new(ner))
            .build()
            .expect("engine")
    })
}

fn spans(text: &str) -> Vec<Span> {
    engine().analyze(text).expect("analysis runs")
}

/// The spans of `text` as (entity, value).
fn found(text: &str) -> Vec<(String, String)> {
    spans(text)
        .iter()
        .map(|s| (s.entity.to_string(), text[s.start..s.end].to_string()))
        .collect()
}

/// Asserts that no span touches any occurrence of `word` in `text`.
#[track_caller]
fn untouched(text: &str, word: &str) {
    let all = spans(text);
    for (i, _) in text.match_indices(word) {
        let end = i + word.len();
        let hit: Vec<&str> = all
            .iter()
            .filter(|s| s.start < end && i < s.end)
            .map(|s| &text[s.start..s.end])
            .collect();
        assert!(hit.is_empty(), "{word:?} in {text:?} is touched by {hit:?}");
    }
}

/// Asserts that a span of `entity` is exactly `value` (found in `text`).
#[track_caller]
fn masked_exactly(text: &str, value: &str, entity: &str) {
    let all = found(text);
    assert!(
        all.contains(&(entity.to_string(), value.to_string())),
        "{entity} {value:?} not found exactly in {text:?}: {all:?}"
    );
}

#[test]
fn log_levels_and_acronyms_in_logs_are_not_organisations() {
    let log = "2024-05-01 12:00:01 INFO auth.service: user=jdoe@example.com logged in\n\
               2024-05-01 12:00:02 WARN auth.service: password expires in 3 days\n\
               2024-05-01 12:00:05 ERROR billing.worker: CRM sync failed for SKU 4411\n\
               2024-05-01 12:00:07 DEBUG payments.api.v2: retry 1/3";
    for word in ["INFO", "WARN", "ERROR", "DEBUG", "CRM", "SKU"] {
        untouched(log, word);
    }
    masked_exactly(log, "jdoe@example.com", "EMAIL");
    masked_exactly(log, "2024-05-01 12:00:05", "DATE_TIME");
    for text in [
        "CRM sync failed for SKU 4411",
        "Export to ERP finished with 3 warnings.",
        "Check the KPI dashboard and the SLA report.",
        "Please send the PDF to the QA team.",
        "INFO",
    ] {
        assert!(found(text).is_empty(), "{text:?}: {:?}", found(text));
    }
    // Organisations written as acronyms in prose are still the model's.
    masked_exactly("Watch the interview on CNN tonight.", "CNN", "ORGANIZATION");
}

#[test]
fn dotted_service_names_are_not_names() {
    for (text, name) in [
        ("auth.service restarted", "auth.service"),
        (
            "Restarted auth.service and billing.worker after the upgrade.",
            "auth.service",
        ),
        (
            "level=info ts=2024-05-01T12:00:01Z caller=main.go:42 component=auth.service",
            "main.go",
        ),
        (
            "level=info ts=2024-05-01T12:00:01Z caller=main.go:42 component=auth.service",
            "auth.service",
        ),
        ("The service paris.cache is down.", "paris.cache"),
        ("Logger london.gateway reported 5 errors.", "london.gateway"),
        (
            "INFO  [main] o.s.b.w.embedded.tomcat.TomcatWebServer : started",
            "o.s.b.w.embedded.tomcat",
        ),
    ] {
        untouched(text, name);
    }
    // A login made of a person's names is that person.
    let text = "The account anna.schmidt was locked.";
    masked_exactly(text, "anna", "PERSON");
    masked_exactly(text, "schmidt", "PERSON");
}

#[test]
fn salutations_and_honorifics_are_not_names_but_the_names_after_them_are() {
    for text in [
        "Sehr geehrte Damen und Herren,\nbitte stornieren Sie meine Bestellung.\nDanke",
        "Sehr\ngeehrte Kundin,\nIhre Rechnung ist da.",
        "Dear Sir or Madam,\nplease find the invoice attached.",
        "Madame, Monsieur,\nveuillez trouver ci-joint la facture.",
    ] {
        assert!(found(text).is_empty(), "{text:?}: {:?}", found(text));
    }
    for (text, opening, name) in [
        (
            "Sehr geehrte Frau Müller,\nvielen Dank.",
            "Sehr geehrte Frau",
            "Müller",
        ),
        ("Lieber Herr Becker,\ndanke.", "Lieber Herr", "Becker"),
        ("Herr Dr. Schmidt kommt morgen.", "Herr Dr.", "Schmidt"),
        ("M. Dupont a appelé ce matin.", "M.", "Dupont"),
        (
            "Chère Mme Leroy,\nmerci pour votre retour.",
            "Chère Mme",
            "Leroy",
        ),
        ("Mlle Girard a appelé.", "Mlle", "Girard"),
        ("Liebe Anna,\nwie geht's?", "Liebe", "Anna"),
        ("Sr. Pérez llamó ayer.", "Sr.", "Pérez"),
        (
            "Geachte mevr. de Vries,\nhierbij de factuur.",
            "Geachte mevr.",
            "de Vries",
        ),
    ] {
        untouched(text, opening);
        masked_exactly(text, name, "PERSON");
    }
}

#[test]
fn a_key_before_an_email_address_is_not_part_of_it() {
    for (text, key, email) in [
        (
            "2024-05-01 12:00:01 INFO auth.service: user=jdoe@example.com logged in",
            "user=",
            "jdoe@example.com",
        ),
        (
            "GET /api/v1/reset?lang=en&user=z.nic@example.org 200 12ms",
            "/api/v1/reset?lang=en&user=",
            "z.nic@example.org",
        ),
        (
            "audit action=login sender=pscx-noreply@corp.example.de result=ok",
            "sender=",
            "pscx-noreply@corp.example.de",
        ),
    ] {
        masked_exactly(text, email, "EMAIL");
        untouched(text, key);
    }
}

#[test]
fn numbers_after_an_id_word_and_a_number_word_are_not_ids_or_phones() {
    let text = "Your order no. 100234567 has shipped. Order 100234567 will arrive Monday.";
    untouched(text, "100234567");
    for (text, number) in [
        ("order #100234567 confirmed", "100234567"),
        ("invoice nr 5531 is overdue", "5531"),
        ("ticket no: 88812 closed", "88812"),
        ("ticket nº 06 87 98 21 39 reopened", "06 87 98 21 39"),
        ("invoice nr 06 12 34 56 78 is overdue", "06 12 34 56 78"),
        ("Your order number is 100234567.", "100234567"),
        ("Bestellung Nr. 100234567 wurde versandt.", "100234567"),
        ("Commande n° 100234567 expédiée.", "100234567"),
        ("Reference number: 9912345678", "9912345678"),
    ] {
        untouched(text, number);
    }
    // A number word after a word of an ID kind keeps it an ID.
    masked_exactly(
        "My passport no. X1234567 expires soon.",
        "X1234567",
        "PASSPORT",
    );
}

#[test]
fn a_sentence_full_stop_is_not_part_of_a_span() {
    for (text, value, entity) in [
        (
            "We met on 12 March. Then we went home.",
            "12 March",
            "DATE_TIME",
        ),
        ("See you on March 12. Then we go.", "March 12", "DATE_TIME"),
        (
            "Das Treffen war am 5. Mai. Danach gingen wir.",
            "5. Mai",
            "DATE_TIME",
        ),
        (
            "Llegamos el 6 de marzo. Luego nada.",
            "6 de marzo",
            "DATE_TIME",
        ),
        (
            "We met on 12 March 2024. Then we went home.",
            "12 March 2024",
            "DATE_TIME",
        ),
        (
            "She moved to Sweden. The rest is history.",
            "Sweden",
            "LOCATION",
        ),
    ] {
        masked_exactly(text, value, entity);
        let stop = text.find(value).expect("value in text") + value.len();
        assert_eq!(&text[stop..=stop], ".");
        assert!(
            !spans(text).iter().any(|s| s.start <= stop && stop < s.end),
            "the full stop after {value:?} is masked in {text:?}"
        );
    }
    // The dot of an abbreviation or inside the value stays.
    masked_exactly(
        "Her birthday is 12 Dec. She turns 40.",
        "12 Dec.",
        "DATE_TIME",
    );
    masked_exactly(
        "The contract ends on 31.12.2025. Please renew.",
        "31.12.2025",
        "DATE_TIME",
    );
}
