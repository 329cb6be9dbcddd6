//! Auth cases: a protected read without credentials and with wrong ones gets the
//! documented refusal; sign-in with the given credentials works and with wrong
//! ones is refused. `{username}` and `{password}` in a body are filled by the
//! runner from the credentials it holds, which never appear in a report.

use serde_json::json;

use super::{Case, Check, Credentials, Expect, Gen, Request, Severity, Step};
use crate::spec::{Auth, Method, Operation, OperationKind, Outcome};

pub(super) fn cases(g: &Gen, out: &mut Vec<Case>) {
    let spec = g.spec;
    let rejected: &Outcome = match &spec.auth {
        Auth::ApiKeyHeader {
            rejected: Some(r), ..
        } => r,
        Auth::BearerSignin { rejected, .. } => rejected,
        _ => return,
    };
    let auth_doc = match &spec.auth {
        Auth::ApiKeyHeader { doc, .. } | Auth::BearerSignin { doc, .. } => doc,
        _ => return,
    };
    // Every protected read, nested routes and single items included: the gate
    // is per route on many servers, so each is worth one request. Its path is
    // filled (with valid credentials) from the deployment first.
    let protected = spec
        .operations
        .iter()
        .filter(|o| o.auth && o.method == Method::Get && o.kind != OperationKind::Other);
    for op in protected {
        let Some(super::Resolved { steps, query, path }) = g.resolve(op) else {
            continue;
        };
        let bearer = matches!(spec.auth, Auth::BearerSignin { .. });
        let modes = [
            (Credentials::None, "none", "without credentials"),
            (Credentials::Wrong, "wrong", "with wrong credentials"),
            (Credentials::Expired, "expired", "with an expired token"),
        ];
        for (credentials, name, what) in modes
            .into_iter()
            .filter(|m| bearer || m.0 != Credentials::Expired)
        {
            let mut request = Request::get(&path);
            request.query = query.clone();
            request.credentials = credentials;
            let mut step = Step::new(request);
            step.expect.push(Expect::Status(vec![rejected.status]));
            if let Some(e) = &rejected.error {
                step.expect.push(Expect::ErrorBody(e.clone()));
            }
            let mut all = steps.clone();
            all.push(step);
            out.push(Case {
                id: g.id(op, &format!("auth/{name}")),
                check: Check::Auth,
                severity: Severity::implied(rejected.implied),
                doc: rejected.doc.clone().unwrap_or_else(|| auth_doc.clone()),
                title: format!("a request {what} answers {}", rejected.status),
                writes: false,
                steps: all,
            });
        }
    }
}

/// A sign-in endpoint taking a JSON body: the credentials give a token; wrong ones
/// get the documented refusal.
pub(super) fn signin(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    let Auth::BearerSignin {
        signin_path,
        username_field,
        password_field,
        token_pointer,
        rejected,
        doc,
        ..
    } = &g.spec.auth
    else {
        return;
    };
    if op.method != Method::Post || op.path != *signin_path {
        return;
    }
    let body = |password: &str| json!({ username_field.clone(): "{username}", password_field.clone(): password });
    let mut good = Step::new(Request {
        method: Method::Post,
        body: Some(body("{password}")),
        credentials: Credentials::None,
        ..Request::get(signin_path)
    });
    good.expect = vec![Expect::Status(vec![200])];
    if let Some(schema) = g.response_schema(op) {
        good.expect.push(Expect::Schema(schema));
    }
    good.capture.insert("token".into(), token_pointer.clone());
    out.push(Case {
        id: g.id(op, "auth/valid"),
        check: Check::Auth,
        severity: Severity::Must,
        doc: doc.clone(),
        title: "signing in with the credentials gives a token".into(),
        writes: false,
        steps: vec![good],
    });
    let mut bad = Step::new(Request {
        method: Method::Post,
        body: Some(body("assay-wrong-password")),
        credentials: Credentials::None,
        ..Request::get(signin_path)
    });
    bad.expect = vec![Expect::Status(vec![rejected.status])];
    if let Some(e) = &rejected.error {
        bad.expect.push(Expect::ErrorBody(e.clone()));
    }
    out.push(Case {
        id: g.id(op, "auth/wrong_password"),
        check: Check::Auth,
        severity: Severity::implied(rejected.implied),
        doc: rejected.doc.clone().unwrap_or_else(|| doc.clone()),
        title: format!("a wrong password answers {}", rejected.status),
        writes: false,
        steps: vec![bad],
    });
}

/// A session login protected by a CSRF token: fetch the token, send it with the
/// credentials, get a session cookie. Wrong credentials are refused, with nothing
/// the document states beyond that: no 5xx and no session.
pub(super) fn login(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    let Auth::CsrfSession {
        token_path,
        token_pointer,
        cookie,
        header,
        form_field,
        login_path,
        login_params,
        doc,
        ..
    } = &g.spec.auth
    else {
        return;
    };
    if op.path != *login_path {
        return;
    }
    let mut token = Step::new(Request {
        credentials: Credentials::None,
        ..Request::get(token_path)
    });
    token.capture.insert("csrf".into(), token_pointer.clone());
    let mut steps = vec![token];
    let mut form: std::collections::BTreeMap<String, String> = Default::default();
    for p in login_params {
        let value = match p.name.as_str() {
            "username" => "{username}".to_string(),
            "password" => "{password}".to_string(),
            name => {
                // Another parameter (OMERO's `server`) comes from a flow, if any.
                let Some(flow) = g
                    .spec
                    .flows
                    .iter()
                    .find(|f| f.to == op.id && f.param == name)
                else {
                    return;
                };
                let Some(from) = g.spec.operation(&flow.from) else {
                    return;
                };
                let mut s = Step::new(Request {
                    credentials: Credentials::None,
                    ..Request::get(&from.path)
                });
                s.capture
                    .insert(name.to_string(), super::first_pointer(&flow.field));
                steps.insert(0, s);
                format!("{{{name}}}")
            }
        };
        form.insert(p.name.clone(), value);
    }
    form.insert(form_field.clone(), "{csrf}".into());
    let login = |password: &str| {
        let mut form = form.clone();
        form.insert("password".into(), password.into());
        Request {
            method: op.method,
            credentials: Credentials::None,
            headers: [
                (header.clone(), "{csrf}".to_string()),
                ("Cookie".to_string(), format!("{cookie}={{csrf}}")),
            ]
            .into_iter()
            .collect(),
            form,
            ..Request::get(login_path)
        }
    };
    let mut good = Step::new(login("{password}"));
    good.expect = vec![
        Expect::Status(vec![200]),
        Expect::Header(super::HeaderMatch {
            name: "set-cookie".into(),
            pattern: "sessionid=".into(),
        }),
    ];
    let mut s = steps.clone();
    s.push(good);
    out.push(Case {
        id: g.id(op, "auth/valid"),
        check: Check::Auth,
        severity: Severity::Must,
        doc: doc.clone(),
        title: "a login with the CSRF token and the credentials opens a session".into(),
        writes: false,
        steps: s,
    });
    let mut bad = Step::new(login("assay-wrong-password"));
    bad.expect = vec![Expect::NoServerError];
    let mut s = steps;
    s.push(bad);
    out.push(Case {
        id: g.id(op, "auth/wrong_password"),
        check: Check::Auth,
        severity: Severity::Should,
        doc: op.doc.clone(),
        title: "a login with a wrong password does not fail with a 5xx".into(),
        writes: false,
        steps: s,
    });
}
