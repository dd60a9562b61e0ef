//! ECS categorization of CloudTrail API calls by `eventName`: the calls
//! that touch identities, authentication and storage buckets get an
//! `event.category`/`event.type` pair (the same classification Elastic's
//! CloudTrail integration uses); every other call is `event.type: info`.

const IAM: &[&str] = &["iam"];
const AUTHENTICATION: &[&str] = &["authentication"];
const FILE: &[&str] = &["file"];

const INFO: &[&str] = &["info"];
const GROUP_CHANGE: &[&str] = &["group", "change"];
const GROUP_CREATION: &[&str] = &["group", "creation"];
const GROUP_DELETION: &[&str] = &["group", "deletion"];
const GROUP_INFO: &[&str] = &["group", "info"];
const USER_CHANGE: &[&str] = &["user", "change"];
const USER_CREATION: &[&str] = &["user", "creation"];
const USER_DELETION: &[&str] = &["user", "deletion"];
const USER_INFO: &[&str] = &["user", "info"];
const ADMIN_CHANGE: &[&str] = &["admin", "change"];
const ADMIN_CREATION: &[&str] = &["admin", "creation"];
const CREATION: &[&str] = &["creation"];
const DELETION: &[&str] = &["deletion"];

/// `(event.category, event.type)` for an API call, or `None` for the
/// default (no category, type `info`).
pub fn categorize(event_name: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    let pair = match event_name {
        "ConsoleLogin" | "AssumeRole" => (AUTHENTICATION, INFO),
        "CreateBucket" => (FILE, CREATION),
        "DeleteBucket" => (FILE, DELETION),
        "AddUserToGroup"
        | "AttachGroupPolicy"
        | "DeleteGroupPolicy"
        | "DetachGroupPolicy"
        | "PutGroupPolicy"
        | "RemoveUserFromGroup"
        | "UpdateGroup" => (IAM, GROUP_CHANGE),
        "CreateGroup" => (IAM, GROUP_CREATION),
        "DeleteGroup" => (IAM, GROUP_DELETION),
        "GetGroup"
        | "GetGroupPolicy"
        | "ListAttachedGroupPolicies"
        | "ListGroupPolicies"
        | "ListGroups" => (IAM, GROUP_INFO),
        "AttachUserPolicy"
        | "ChangePassword"
        | "CreateAccessKey"
        | "CreateVirtualMFADevice"
        | "DeactivateMFADevice"
        | "DeleteAccessKey"
        | "DeleteSSHPublicKey"
        | "DeleteUserPermissionsBoundary"
        | "DeleteUserPolicy"
        | "DeleteVirtualMFADevice"
        | "DetachUserPolicy"
        | "EnableMFADevice"
        | "PutUserPermissionsBoundary"
        | "PutUserPolicy"
        | "TagUser"
        | "UntagUser"
        | "UpdateAccessKey"
        | "UpdateLoginProfile"
        | "UpdateSSHPublicKey"
        | "UpdateUser" => (IAM, USER_CHANGE),
        "CreateUser" => (IAM, USER_CREATION),
        "DeleteUser" => (IAM, USER_DELETION),
        "GetUser"
        | "GetUserPolicy"
        | "ListAttachedUserPolicies"
        | "ListGroupsForUser"
        | "ListUserPolicies"
        | "ListUsers"
        | "ListUserTags" => (IAM, USER_INFO),
        "CreateKeyPair" => (IAM, ADMIN_CREATION),
        "SetDefaultPolicyVersion"
        | "SetSecurityTokenServicePreferences"
        | "UpdateAccountPasswordPolicy"
        | "UpdateRole" => (IAM, ADMIN_CHANGE),
        _ => return None,
    };
    Some(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_calls() {
        assert_eq!(categorize("ConsoleLogin"), Some((AUTHENTICATION, INFO)));
        assert_eq!(categorize("CreateUser"), Some((IAM, USER_CREATION)));
        assert_eq!(categorize("DescribeInstances"), None);
    }
}
