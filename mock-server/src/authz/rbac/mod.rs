//! RBAC: rule matching, rule resolution, the authorizer, bootstrap policy, escalation
//! prevention and impersonation checks.

pub mod authorizer;
pub mod bootstrap;
pub mod escalation;
pub mod impersonation;
pub mod policy;
pub mod resolve;
pub mod rules;

pub use authorizer::RbacAuthorizer;

#[cfg(test)]
mod tests;
