//! Workspaces: which client's data a caller may see.

use std::fmt;

/// A workspace's id: positive and server-assigned. The default workspace, which holds
/// everything that existed before workspaces, is [`WorkspaceId::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkspaceId(i64);

impl WorkspaceId {
    pub const DEFAULT: WorkspaceId = WorkspaceId(1);

    /// The id a request or a row carries, if it is one (ids are positive).
    pub fn new(id: i64) -> Option<WorkspaceId> {
        (id > 0).then_some(WorkspaceId(id))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a caller sees: one workspace, or every one (a platform token: operators and the
/// services themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    Platform,
    Workspace(WorkspaceId),
}

impl Reach {
    /// The reach of a token that belongs to `workspace` (none: a platform token).
    pub fn of(workspace: Option<WorkspaceId>) -> Reach {
        workspace.map_or(Reach::Platform, Reach::Workspace)
    }

    /// The one workspace it is limited to, if any.
    pub fn workspace(self) -> Option<WorkspaceId> {
        match self {
            Reach::Platform => None,
            Reach::Workspace(w) => Some(w),
        }
    }

    /// Whether something of `owner` is visible.
    pub fn sees(self, owner: WorkspaceId) -> bool {
        self.workspace().is_none_or(|w| w == owner)
    }

    /// Whether a row whose stored owner is `workspace_id` is visible (a value that is no
    /// workspace id never is).
    pub fn sees_stored(self, workspace_id: i64) -> bool {
        WorkspaceId::new(workspace_id).is_some_and(|w| self.sees(w))
    }

    /// The workspace a request names, seen from this reach: a workspace caller's own
    /// (when the request names none or its own), a platform caller's choice (or
    /// `platform_default`), or [`OutOfReach`] when the request names a workspace the
    /// caller cannot see or that is not an id — which callers answer as NOT_FOUND.
    pub fn resolve(
        self,
        requested: i64,
        platform_default: Option<WorkspaceId>,
    ) -> Result<Option<WorkspaceId>, OutOfReach> {
        match (self, requested) {
            (Reach::Workspace(own), 0) => Ok(Some(own)),
            (Reach::Workspace(own), id) if id == own.get() => Ok(Some(own)),
            (Reach::Workspace(_), _) => Err(OutOfReach),
            (Reach::Platform, 0) => Ok(platform_default),
            (Reach::Platform, id) => WorkspaceId::new(id).map(Some).ok_or(OutOfReach),
        }
    }

    /// A short text for page-token fingerprints: a page token is bound to the reach
    /// that asked for it.
    pub fn fingerprint(self) -> String {
        match self {
            Reach::Platform => "reach=platform".to_owned(),
            Reach::Workspace(w) => format!("reach=workspace:{w}"),
        }
    }
}

/// A workspace a caller named but cannot see (or that cannot exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfReach;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_reach_sees_and_names_only_its_own_workspace() {
        let own = WorkspaceId::new(7).unwrap();
        let reach = Reach::Workspace(own);
        assert!(reach.sees(own));
        assert!(!reach.sees(WorkspaceId::DEFAULT));
        assert_eq!(reach.resolve(0, None), Ok(Some(own)));
        assert_eq!(reach.resolve(7, None), Ok(Some(own)));
        assert_eq!(reach.resolve(1, None), Err(OutOfReach));
        assert!(Reach::Platform.sees(own));
        assert_eq!(
            Reach::Platform.resolve(0, Some(WorkspaceId::DEFAULT)),
            Ok(Some(WorkspaceId::DEFAULT))
        );
        assert_eq!(Reach::Platform.resolve(0, None), Ok(None));
        assert_eq!(Reach::Platform.resolve(7, None), Ok(Some(own)));
        assert_eq!(Reach::Platform.resolve(-3, None), Err(OutOfReach));
        assert_eq!(WorkspaceId::new(0), None);
    }
}
