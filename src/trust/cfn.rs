//! Trust rules from CloudFormation templates (`--rules cfn:FILE`, JSON or YAML with the short
//! forms `!Sub`, `!Ref`, `!Join`): every `AWS::IAM::Role`'s `AssumeRolePolicyDocument`, named by
//! its logical id, joined by every `AWS::IAM::OIDCProvider` of the template (`Url`,
//! `ClientIdList`), read by the AWS loader. Pure: the caller reads the file.
//!
//! Intrinsic functions are resolved as CloudFormation resolves them (AWS CloudFormation User
//! Guide, "Intrinsic function reference": `Ref`, `Fn::Sub`, `Fn::Join`), with the parameters
//! given on the command line (`--cfn-param NAME=VALUE`) or, failing that, the template's
//! `Default`, and pseudo parameters (`AWS::AccountId`, `AWS::Partition`…) only when given. Any
//! intrinsic that cannot be resolved (an unknown parameter, `Fn::GetAtt`, `Fn::ImportValue`,
//! `Fn::If`…) is never guessed: the template is refused with each one named at its location.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::RuleKind;
use super::load::{LoadedRules, RuleFileError, load_rule_file};

fn invalid(file: &str, message: impl Into<String>) -> RuleFileError {
    RuleFileError::Invalid {
        file: file.to_owned(),
        kind: "CloudFormation",
        message: message.into(),
    }
}

/// The rules of a template; `params` are `--cfn-param` values, by name.
pub fn load(
    file: &str,
    text: &str,
    params: &[(String, String)],
) -> Result<LoadedRules, RuleFileError> {
    let doc = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| RuleFileError::Json {
            syntax: "JSON",
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
            tried: "CloudFormation template".to_owned(),
        })?
    } else {
        super::yaml::to_json_with_intrinsics(text).map_err(|e| RuleFileError::Json {
            syntax: "YAML",
            file: file.to_owned(),
            line: e.line as usize,
            column: e.column as usize,
            message: e.message,
            tried: "CloudFormation template".to_owned(),
        })?
    };
    let resources = doc
        .get("Resources")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(file, "not a CloudFormation template: no \"Resources\""))?;
    let mut resolver = Resolver {
        values: defaults(&doc),
        unresolved: Vec::new(),
    };
    for (name, value) in params {
        resolver.values.insert(name.clone(), value.clone());
    }
    let mut loaded = LoadedRules::default();
    let mut roles = 0;
    for (id, resource) in resources {
        let kind = resource.get("Type").and_then(Value::as_str);
        let properties = resource.get("Properties").unwrap_or(&Value::Null);
        let at = format!("Resources.{id}.Properties");
        match kind {
            Some("AWS::IAM::Role") => {
                let Some(policy) = properties.get("AssumeRolePolicyDocument") else {
                    return Err(invalid(
                        file,
                        format!("{id}: AWS::IAM::Role without AssumeRolePolicyDocument"),
                    ));
                };
                let policy = resolver.resolve(policy, &format!("{at}.AssumeRolePolicyDocument"));
                let mut role = Map::new();
                // The name is not a condition: an unresolvable one only goes unshown.
                let mut quiet = Resolver {
                    values: resolver.values.clone(),
                    unresolved: Vec::new(),
                };
                if let Some(name) = properties.get("RoleName") {
                    let name = quiet.resolve(name, "");
                    if quiet.unresolved.is_empty() {
                        role.insert("RoleName".into(), name);
                    }
                }
                role.insert("AssumeRolePolicyDocument".into(), policy);
                if resolver.unresolved.is_empty() {
                    let rules = load_rule_file(
                        id,
                        &json!({ "Role": role }).to_string(),
                        Some(RuleKind::Aws),
                    )?;
                    loaded.merge(LoadedRules::from_resource(
                        RuleKind::Aws,
                        Some(file),
                        id,
                        Some(rules),
                        Vec::new(),
                    ));
                }
                roles += 1;
            }
            Some("AWS::IAM::OIDCProvider") => {
                let document = json!({
                    "Url": resolver.resolve(properties.get("Url").unwrap_or(&Value::Null), &format!("{at}.Url")),
                    "ClientIDList": resolver.resolve(properties.get("ClientIdList").unwrap_or(&json!([])), &format!("{at}.ClientIdList")),
                    "ThumbprintList": [],
                });
                if resolver.unresolved.is_empty() {
                    loaded.merge(load_rule_file(
                        id,
                        &document.to_string(),
                        Some(RuleKind::Aws),
                    )?);
                }
            }
            _ => {}
        }
    }
    if !resolver.unresolved.is_empty() {
        return Err(invalid(
            file,
            format!(
                "cannot resolve {}; give parameters with --cfn-param NAME=VALUE (pseudo parameters too, e.g. --cfn-param AWS::AccountId=111122223333)",
                resolver.unresolved.join("; ")
            ),
        ));
    }
    if roles == 0 {
        return Err(invalid(file, "the template has no AWS::IAM::Role"));
    }
    Ok(loaded)
}

/// Parameters' `Default` values.
fn defaults(doc: &Value) -> HashMap<String, String> {
    doc.get("Parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, parameter)| {
            let default = match parameter.get("Default")? {
                Value::String(text) => text.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((name.clone(), default))
        })
        .collect()
}

struct Resolver {
    values: HashMap<String, String>,
    /// `location: intrinsic` for each intrinsic that could not be resolved.
    unresolved: Vec<String>,
}

impl Resolver {
    fn resolve(&mut self, value: &Value, at: &str) -> Value {
        match value {
            Value::Object(members) if members.len() == 1 => {
                let (key, argument) = members.iter().next().expect("one member");
                match key.as_str() {
                    "Ref" => self.reference(argument, at),
                    "Fn::Sub" => self.sub(argument, at),
                    "Fn::Join" => self.join(argument, at),
                    intrinsic if intrinsic.starts_with("Fn::") || intrinsic == "Condition" => {
                        self.unresolved
                            .push(format!("{at}: {intrinsic} {}", compact(argument)));
                        Value::Null
                    }
                    _ => self.object(members, at),
                }
            }
            Value::Object(members) => self.object(members, at),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.resolve(item, &format!("{at}[{i}]")))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn object(&mut self, members: &Map<String, Value>, at: &str) -> Value {
        Value::Object(
            members
                .iter()
                .map(|(key, value)| (key.clone(), self.resolve(value, &format!("{at}.{key}"))))
                .collect(),
        )
    }

    fn reference(&mut self, argument: &Value, at: &str) -> Value {
        match argument.as_str().and_then(|name| self.values.get(name)) {
            Some(value) => Value::String(value.clone()),
            None => {
                self.unresolved
                    .push(format!("{at}: Ref {}", compact(argument)));
                Value::Null
            }
        }
    }

    /// `Fn::Sub`: `${Name}` is a parameter (or, in the list form, a variable), `${!Literal}` is
    /// the text `${Literal}`, and `${Resource.Attribute}` is an attribute claimcheck cannot know.
    fn sub(&mut self, argument: &Value, at: &str) -> Value {
        let (template, variables) = match argument {
            Value::String(text) => (text.as_str(), Map::new()),
            Value::Array(items) if items.len() == 2 && items[0].is_string() => {
                let variables = match self.resolve(&items[1], &format!("{at}[1]")) {
                    Value::Object(map) => map,
                    _ => Map::new(),
                };
                (items[0].as_str().unwrap_or(""), variables)
            }
            other => {
                self.unresolved
                    .push(format!("{at}: Fn::Sub {}", compact(other)));
                return Value::Null;
            }
        };
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.get(name).and_then(Value::as_str) {
                out.push_str(value);
            } else if let Some(value) = self.values.get(name) {
                out.push_str(value);
            } else {
                self.unresolved.push(format!("{at}: Fn::Sub ${{{name}}}"));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Value::String(out)
    }

    fn join(&mut self, argument: &Value, at: &str) -> Value {
        let parts = argument.as_array().filter(|a| a.len() == 2);
        let (Some(delimiter), Some(items)) = (
            parts.and_then(|p| p[0].as_str()),
            parts.map(|p| self.resolve(&p[1], &format!("{at}[1]"))),
        ) else {
            self.unresolved
                .push(format!("{at}: Fn::Join {}", compact(argument)));
            return Value::Null;
        };
        let texts: Vec<String> = items
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| match item {
                Value::String(text) => text.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        Value::String(texts.join(delimiter))
    }
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::Outcome;

    const TEMPLATE: &str = include_str!("../../tests/fixtures/cloudformation/github-role.yaml");

    fn claims(sub: &str) -> crate::token::Claims {
        json!({"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com",
               "sub": sub})
        .as_object()
        .unwrap()
        .clone()
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn short_forms_resolve_with_parameters_and_pseudo_parameters() {
        let rules = load(
            "github-role.yaml",
            TEMPLATE,
            &params(&[
                ("AWS::AccountId", "111122223333"),
                ("AWS::Partition", "aws"),
            ]),
        )
        .unwrap()
        .into_rules()
        .unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].id().name, "DeployRole");
        // Environment defaults to prod (the parameter's Default).
        assert_eq!(
            rules[0].outcome(&claims("repo:acme/app:environment:prod"), 0),
            Outcome::Allowed
        );
        assert_eq!(
            rules[0].outcome(&claims("repo:acme/app:environment:staging"), 0),
            Outcome::Denied
        );
        let staging = load(
            "github-role.yaml",
            TEMPLATE,
            &params(&[
                ("AWS::AccountId", "111122223333"),
                ("AWS::Partition", "aws"),
                ("Environment", "staging"),
            ]),
        )
        .unwrap()
        .into_rules()
        .unwrap();
        assert_eq!(
            staging[0].outcome(&claims("repo:acme/app:environment:staging"), 0),
            Outcome::Allowed
        );
    }

    #[test]
    fn unresolvable_intrinsics_are_named_with_their_location() {
        let error = load("github-role.yaml", TEMPLATE, &[]).err().unwrap();
        let message = error.to_string();
        assert!(
            message.contains("Resources.DeployRole.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Federated: Fn::Sub ${AWS::Partition}"),
            "{message}"
        );
        assert!(message.contains("Fn::Sub ${AWS::AccountId}"), "{message}");
        let get_att = TEMPLATE.replace(
            "Federated: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com'",
            "Federated: !GetAtt GitHubProvider.Arn",
        );
        let error = load("t.yaml", &get_att, &[]).err().unwrap();
        assert!(
            error.to_string().contains(
                "Resources.DeployRole.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Federated: Fn::GetAtt GitHubProvider.Arn"
            ),
            "{error}"
        );
    }

    #[test]
    fn json_templates_and_literal_escapes() {
        let template = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
                "Principal": {"Federated": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "Account"}, ":oidc-provider/token.actions.githubusercontent.com"]]}},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": {"Fn::Sub": "repo:acme/${!Repo}"}}}}]}}}}});
        let rules = load(
            "t.json",
            &template.to_string(),
            &params(&[("Account", "1")]),
        )
        .unwrap()
        .into_rules()
        .unwrap();
        assert_eq!(rules[0].id().name, "R");
        // `${!Repo}` is the literal text `${Repo}`.
        let mut resolver = Resolver {
            values: HashMap::new(),
            unresolved: Vec::new(),
        };
        assert_eq!(
            resolver.resolve(&json!({"Fn::Sub": "repo:acme/${!Repo}"}), "x"),
            json!("repo:acme/${Repo}")
        );
        assert!(resolver.unresolved.is_empty());
    }
}
