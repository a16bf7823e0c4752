package auth

import "ratify/internal/model"

// Action names one row of the permission table in DESIGN.md.
type Action string

const (
	ReadCoalition        Action = "read"
	EditContacts         Action = "edit_contacts"
	LogOutreach          Action = "log_outreach"
	OwnFollowups         Action = "own_followups"
	AssignFollowups      Action = "assign_followups"
	RecordTreatyStatus   Action = "record_treaty_status"
	ManageCampaigns      Action = "manage_campaigns"
	ExportCSV            Action = "export_csv"
	ReadAudit            Action = "read_audit"
	ManageUsersAndOrgs   Action = "manage_users"
	ManageReferenceLists Action = "manage_reference"
)

// minimumRole is the permission table: each action and the least role allowed.
var minimumRole = map[Action]model.Role{
	ReadCoalition:        model.RoleViewer,
	EditContacts:         model.RoleMember,
	LogOutreach:          model.RoleMember,
	OwnFollowups:         model.RoleMember,
	AssignFollowups:      model.RoleCoordinator,
	RecordTreatyStatus:   model.RoleCoordinator,
	ManageCampaigns:      model.RoleCoordinator,
	ExportCSV:            model.RoleMember,
	ReadAudit:            model.RoleCoordinator,
	ManageUsersAndOrgs:   model.RoleAdmin,
	ManageReferenceLists: model.RoleAdmin,
}

// Can reports whether an active user of role r may perform a.
func Can(r model.Role, a Action) bool {
	min, ok := minimumRole[a]
	return ok && r.AtLeast(min)
}
