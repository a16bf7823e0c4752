package model

// Role is a user's place in the permission table of DESIGN.md.
type Role string

const (
	RoleViewer      Role = "viewer"
	RoleMember      Role = "member"
	RoleCoordinator Role = "coordinator"
	RoleAdmin       Role = "admin"
)

// Roles lists the roles from least to most privileged.
var Roles = []Role{RoleViewer, RoleMember, RoleCoordinator, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

func (r Role) rank() int {
	for i, x := range Roles {
		if r == x {
			return i
		}
	}
	return -1
}

// AtLeast reports whether r is as privileged as min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() >= 0 }

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleViewer:
		return "Viewer"
	case RoleMember:
		return "Member"
	case RoleCoordinator:
		return "Coordinator"
	case RoleAdmin:
		return "Admin"
	}
	return string(r)
}
