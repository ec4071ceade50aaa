package handlers

import (
	"atelier/models"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type meResponse struct {
	userJSON
	CSRFToken string `json:"csrf_token,omitempty"`
}

func (s *server) handleMe(c echo.Context) error {
	sess := session(c)
	return c.JSON(http.StatusOK, meResponse{toUser(sess.User), sess.CSRF})
}

type mePatch struct {
	Name     *string `json:"name"`
	Language *string `json:"language"`
	Password *string `json:"password"`
	// EmailNotifications turns the email copy of notifications on or off.
	EmailNotifications *bool `json:"email_notifications"`
	// CurrentPassword must accompany a new password.
	CurrentPassword string `json:"current_password"`
}

func (s *server) handlePatchMe(c echo.Context) error {
	var req mePatch
	if err := decode(c, &req); err != nil {
		return err
	}
	me := actor(c)
	if req.Password != nil {
		if err := s.db.CheckCurrentPassword(c.Request().Context(), me, req.CurrentPassword, clientAddr(c), s.cfg.LoginLimits); err != nil {
			return err
		}
	}
	u, err := s.db.UpdateUser(c.Request().Context(), me, me.ID,
		models.UserPatch{Name: req.Name, Language: req.Language, Password: req.Password,
			EmailNotifications: req.EmailNotifications})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUser(u))
}

type userJSON struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Language  string    `json:"language"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	// EmailNotifications: notifications also arrive by email.
	EmailNotifications bool `json:"email_notifications"`
}

func toUser(u *models.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Language: u.Language,
		Active: u.Active, CreatedAt: u.CreatedAt, EmailNotifications: u.EmailNotifications}
}

type memberRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"`
	Language string `json:"language"`
}

func (s *server) handleCreateMember(c echo.Context) error {
	var req memberRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := s.db.CreateUser(c.Request().Context(), actor(c), models.NewUser{
		Email: req.Email, Name: req.Name, Password: req.Password, Role: models.Role(req.Role), Language: req.Language})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toUser(u))
}

type membersResponse struct {
	Members []userJSON `json:"members"`
	Total   int64      `json:"total"`
}

func (s *server) handleListMembers(c echo.Context) error {
	q := newQuery(c)
	role := q.oneOf("role", "member", "manager", "admin")
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	users, total, err := s.db.ListUsers(c.Request().Context(), models.Role(role), page)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, membersResponse{Members: renderAll(users, toUser), Total: total})
}

func (s *server) handleGetMember(c echo.Context) error {
	return getByID(c, s.db.User, toUser)
}

type memberPatch struct {
	Name     *string `json:"name"`
	Language *string `json:"language"`
	Password *string `json:"password"`
	Role     *string `json:"role"`
	Active   *bool   `json:"active"`
}

func (s *server) handlePatchMember(c echo.Context) error {
	var req memberPatch
	id, err := pathIDAndBody(c, decode, &req)
	if err != nil {
		return err
	}
	if req.Password != nil && id == actor(c).ID {
		return models.Invalid("password", "Change your own password on your account (PATCH /api/v1/me), with your current password.")
	}
	p := models.UserPatch{Name: req.Name, Language: req.Language, Password: req.Password, Active: req.Active}
	if req.Role != nil {
		r := models.Role(*req.Role)
		p.Role = &r
	}
	u, err := s.db.UpdateUser(c.Request().Context(), actor(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUser(u))
}
