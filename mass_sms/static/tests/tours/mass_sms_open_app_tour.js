import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("mass_sms_open_app", {
    url: "/odoo",
    steps: () => [
        {
            content: "Odoo's own SMS Marketing app is folded into Mass SMS",
            trigger: `body:not(:has(.o_app[data-menu-xmlid="mass_mailing_sms.mass_mailing_sms_menu_root"]))`,
        },
        ...stepUtils.goToAppSteps("mass_sms.mass_sms_menu_root", "Open the Mass SMS app"),
        {
            content: "The app opens on its SMS mailings",
            trigger: `.o_main_navbar .o_menu_brand:contains("Mass SMS")`,
        },
        {
            trigger: `.o_breadcrumb:contains("SMS Mailings")`,
        },
        {
            trigger: `.o_menu_sections button:contains("Mailing Lists")`,
            run: "click",
        },
        {
            trigger: `a[data-menu-xmlid="mass_mailing_sms.mailing_list_menu_sms"]`,
            run: "click",
        },
        {
            content: "Mailing lists in Mass SMS: phone contacts and Send SMS, nothing about email",
            trigger: `.o_kanban_record:has(button:contains("Send SMS")):has(.fa-phone)`,
        },
        {
            trigger: `.o_kanban_view:not(:has(.fa-envelope-o)):not(:contains("Send Mailing")):not(:contains("Bounce"))`,
        },
        {
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            trigger: `.o_list_view:has(th:contains("Recipients")):not(:has(th:contains("Bounce"))):not(:has(th:contains("Blacklist")))`,
        },
    ],
});
